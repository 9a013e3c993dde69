"""What the evaluation (§2, §4.6) and the reflection (§5) share: a course's ordered list of
questions that staff add, word anew per language, move, retire and restore.

Each domain keeps its own model (the answers differ: ratings and yes/no for the evaluation,
drafts and versions for the reflection) and its own "add" (a kind, or an audience); the rules
of the list live here once (``operations``), with the staff's forms (``forms``) and the routes
that act on one question (``views``). The page itself is ``templates/questionnaires/_list.html``.
"""
