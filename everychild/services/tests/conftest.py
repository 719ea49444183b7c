"""The services tests use the case tests' clock, people, child and case: they are a plugin of the
root conftest (``everychild.cases.tests.fixtures``), so nothing needs importing here."""
