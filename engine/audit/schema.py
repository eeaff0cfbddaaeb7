"""The audit database's schema, as versioned migrations.

`PRAGMA user_version` holds the number of migrations applied; opening a database applies the
missing ones in order, each in its own transaction. A migration is never edited once released: a
change to the schema is a new migration. The README documents the tables.
"""

from __future__ import annotations

# SQLite's application_id marks a file as an imr audit database ("IMRA").
APPLICATION_ID = 0x494D5241

MIGRATIONS: tuple[tuple[str, str], ...] = (
    (
        "runs, letters, items, citations, criteria, facts with evidence, contradictions",
        """
CREATE TABLE runs (
    run_id INTEGER PRIMARY KEY,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    status TEXT NOT NULL CHECK (status IN ('running', 'finished', 'interrupted')),
    rules_version TEXT NOT NULL,
    engine_version TEXT NOT NULL,
    options TEXT NOT NULL,
    inputs INTEGER NOT NULL DEFAULT 0,
    audited INTEGER NOT NULL DEFAULT 0,
    skipped INTEGER NOT NULL DEFAULT 0,
    failed INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE rule_criteria (
    rules_version TEXT NOT NULL,
    criterion_id TEXT NOT NULL,
    rule_id TEXT NOT NULL,
    rule_title TEXT NOT NULL,
    edition TEXT NOT NULL,
    authority TEXT NOT NULL,
    cross_cutting INTEGER NOT NULL,
    combine TEXT NOT NULL,
    text TEXT NOT NULL,
    guideline TEXT NOT NULL,
    section TEXT NOT NULL,
    pages TEXT,
    blocks_when_not_documented INTEGER NOT NULL,
    PRIMARY KEY (rules_version, criterion_id)
) WITHOUT ROWID;

CREATE TABLE letters (
    letter_id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES runs (run_id),
    rules_version TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    source TEXT NOT NULL,
    input_kind TEXT NOT NULL CHECK (input_kind IN ('letter', 'case')),
    worker TEXT NOT NULL,
    case_id TEXT,
    injury_date TEXT,
    ur_denial_date TEXT,
    assigned_date TEXT,
    decision_date TEXT,
    ur_to_decision_days INTEGER,
    assigned_to_decision_days INTEGER,
    licensure TEXT NOT NULL DEFAULT '[]',
    missing TEXT NOT NULL DEFAULT '[]',
    error TEXT,
    error_kind TEXT CHECK (error_kind IN ('input', 'unreadable', 'internal', 'worker_died')),
    UNIQUE (sha256, rules_version)
);
CREATE INDEX letters_by_rules ON letters (rules_version, decision_date);
CREATE INDEX letters_by_run ON letters (run_id);

CREATE TABLE sources (
    sha256 TEXT NOT NULL,
    source TEXT NOT NULL,
    first_run_id INTEGER NOT NULL REFERENCES runs (run_id),
    PRIMARY KEY (sha256, source)
) WITHOUT ROWID;

CREATE TABLE reviewer_specialties (
    letter_id INTEGER NOT NULL REFERENCES letters (letter_id),
    specialty TEXT NOT NULL,
    PRIMARY KEY (letter_id, specialty)
) WITHOUT ROWID;
CREATE INDEX specialties_by_name ON reviewer_specialties (specialty);

CREATE TABLE items (
    item_pk INTEGER PRIMARY KEY,
    letter_id INTEGER NOT NULL REFERENCES letters (letter_id),
    position INTEGER NOT NULL,
    item_id TEXT NOT NULL,
    text TEXT NOT NULL,
    kind TEXT NOT NULL,
    subtype TEXT,
    generic TEXT,
    drug_class TEXT,
    category_dwc TEXT NOT NULL,
    category_cwci TEXT NOT NULL,
    family TEXT NOT NULL,
    ancillary_to TEXT,
    decision_word TEXT,
    recorded TEXT CHECK (recorded IN ('Upheld', 'Overturned')),
    predicted TEXT CHECK (predicted IN ('Upheld', 'Overturned')),
    status TEXT NOT NULL CHECK (status IN ('reproduced', 'flagged', 'not_covered', 'predicted')),
    result TEXT NOT NULL,
    as_of TEXT NOT NULL,
    as_of_basis TEXT NOT NULL,
    rule_ids TEXT NOT NULL,
    deciding TEXT NOT NULL,
    ur_original TEXT,
    ur_authorized TEXT,
    ur_remaining TEXT,
    UNIQUE (letter_id, position)
);
CREATE INDEX items_by_status ON items (status);
CREATE INDEX items_by_family ON items (family, recorded);
CREATE INDEX items_by_category ON items (category_dwc);
CREATE INDEX items_by_drug_class ON items (drug_class);

CREATE TABLE item_citations (
    item_pk INTEGER NOT NULL REFERENCES items (item_pk),
    position INTEGER NOT NULL,
    edition TEXT,
    edition_label TEXT,
    document TEXT,
    guideline TEXT,
    chapter TEXT,
    sections TEXT NOT NULL,
    pages TEXT,
    none_cited INTEGER NOT NULL,
    PRIMARY KEY (item_pk, position)
) WITHOUT ROWID;
CREATE INDEX citations_by_edition ON item_citations (edition);

CREATE TABLE criteria (
    item_pk INTEGER NOT NULL REFERENCES items (item_pk),
    position INTEGER NOT NULL,
    criterion_id TEXT NOT NULL,
    rule_id TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('met', 'not_met', 'not_documented')),
    supports INTEGER NOT NULL,
    from_rationale INTEGER NOT NULL,
    facts TEXT NOT NULL,
    missing TEXT NOT NULL,
    PRIMARY KEY (item_pk, position)
) WITHOUT ROWID;
CREATE INDEX criteria_by_id ON criteria (criterion_id, status);

CREATE TABLE facts (
    fact_pk INTEGER PRIMARY KEY,
    letter_id INTEGER NOT NULL REFERENCES letters (letter_id),
    item_pk INTEGER REFERENCES items (item_pk),
    name TEXT NOT NULL,
    value TEXT NOT NULL,
    origin TEXT NOT NULL CHECK (origin IN ('case', 'item', 'derived'))
);
CREATE INDEX facts_by_name ON facts (name);
CREATE INDEX facts_by_owner ON facts (letter_id, item_pk);

CREATE TABLE evidence (
    fact_pk INTEGER NOT NULL REFERENCES facts (fact_pk),
    position INTEGER NOT NULL,
    quote TEXT NOT NULL,
    section TEXT NOT NULL,
    span_start INTEGER,
    span_end INTEGER,
    PRIMARY KEY (fact_pk, position)
) WITHOUT ROWID;

CREATE TABLE contradictions (
    item_pk INTEGER NOT NULL REFERENCES items (item_pk),
    position INTEGER NOT NULL,
    fact TEXT NOT NULL,
    rationale_value TEXT NOT NULL,
    summary_value TEXT NOT NULL,
    rationale_quote TEXT NOT NULL,
    rationale_start INTEGER,
    rationale_end INTEGER,
    summary_quote TEXT NOT NULL,
    summary_start INTEGER,
    summary_end INTEGER,
    decisive INTEGER NOT NULL,
    PRIMARY KEY (item_pk, position)
) WITHOUT ROWID;
""",
    ),
)

TABLES = (
    "runs",
    "rule_criteria",
    "letters",
    "sources",
    "reviewer_specialties",
    "items",
    "item_citations",
    "criteria",
    "facts",
    "evidence",
    "contradictions",
)
