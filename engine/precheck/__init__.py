"""Pre-check a request for authorization before it is sent (`imr precheck`).

A request file mirrors the DWC Form RFA plus a clinical block in the fact vocabulary
(`request.py`); it becomes a case with no recorded outcome (`build.py`) and goes through the same
evaluator as a letter. `form.py` checks the form itself, `verdict.py` turns the evaluation into
would pass / would fail / needs documentation with what to document and the request that would
comply, `report.py` prints it. `questions.py` derives the questions the applicable rules need, in
guideline order with their skip logic, for the interactive mode (`interactive.py`), the request
skeleton (`template.py`) and the HL7 FHIR R4 Questionnaire (`fhir.py`). `examples.py` writes the
pass/fail request of every treatment family and the request a hand-transcribed case amounts to.
"""
