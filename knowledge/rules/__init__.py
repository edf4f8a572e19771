"""Eligibility rules as data (YAML) and a pure engine to evaluate them.

Public API for the conversation and ``/match``::

    rules = load_rules()                                   # bundled knowledge/data/rules
    verdict = evaluate(rule, facts, today=date)            # as of a date: outcome, trace, versions…
    field = next_field(rule, facts)                        # next question for one rule
    field = next_question(rules, facts)                    # next question across rules
    verdicts = evaluate_all(rules, facts, today=date)      # ranked, for /match
    value = parse_answer(field, text, today=date)          # user text → fact (None: 不清楚)
    facts = answers_to_facts(rule.fields, answers, today=date)  # a whole answer sheet
    text = format_verdict(verdict)                         # plain-text answer
    report = check_all(directory)                          # load + cases + lint
"""

from knowledge.rules.answers import (
    AnswerError,
    answer_options,
    answers_to_facts,
    describe_value,
    parse_answer,
)
from knowledge.rules.check import CaseResult, CheckReport, FileReport, check_all, run_case
from knowledge.rules.engine import Validity, Verdict, evaluate, next_field, validity_of
from knowledge.rules.errors import RuleLoadError
from knowledge.rules.facts import InvalidFact, coerce_facts
from knowledge.rules.lint import Issue, Severity, lint
from knowledge.rules.loader import BUNDLED_RULES_DIR, load_rule_file, load_rules, parse_rule
from knowledge.rules.matching import evaluate_all, next_question
from knowledge.rules.model import Field, FieldType, Outcome, Rule
from knowledge.rules.render import condition_lines, format_verdict, trace_line
from knowledge.rules.trace import State, TraceLine

__all__ = [
    "BUNDLED_RULES_DIR",
    "AnswerError",
    "CaseResult",
    "CheckReport",
    "Field",
    "FieldType",
    "FileReport",
    "InvalidFact",
    "Issue",
    "Outcome",
    "Rule",
    "RuleLoadError",
    "Severity",
    "State",
    "TraceLine",
    "Validity",
    "Verdict",
    "answer_options",
    "answers_to_facts",
    "check_all",
    "coerce_facts",
    "condition_lines",
    "describe_value",
    "evaluate",
    "evaluate_all",
    "format_verdict",
    "lint",
    "load_rule_file",
    "load_rules",
    "next_field",
    "next_question",
    "parse_answer",
    "parse_rule",
    "run_case",
    "trace_line",
    "validity_of",
]
