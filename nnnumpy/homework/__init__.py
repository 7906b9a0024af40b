"""Homework for the course: checks that name the mistake, and a grader.

Each assignment in the repository's ``homework/`` folder imports its module here
(``from nnnumpy.homework import hw04_backprop as hw``) and calls one check per part.
The checks compare a student's answer with nnnumpy's own implementation, so they are
for learning, not for exams: the reference solutions ship with the package.
"""

from .core import CheckResult, report

__all__ = ["CheckResult", "report"]
