"""The scaffolding the tests share, in one place: running the command line (`cli`), the GUI
wizard's steps and waits (`wizard`), switching the language (`language`).

Every test imports from here (tests/ is on sys.path, see tests/conftest.py); no test module
imports another test module, and no test runs `python -m mailwizard` except through `cli`
(tests/test_suite_rules.py checks both)."""
