"""Auditing many IMR determinations: agreement figures, the audit database, its reports."""
