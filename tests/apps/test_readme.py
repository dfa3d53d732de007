"""apps/README.md lists exactly the rules the checker has, under the ids it reports."""

from __future__ import annotations

import re

from bench import contract
from bench.contract import rules_database
from bench.frameworks import APPS_DIR

ROW = re.compile(r"^\| `([a-z0-9-]+(?:\.[a-z0-9-]+)+)` \|(.*)\|(.*)\|$", re.MULTILINE)


def test_readme_rule_table_matches_the_contract() -> None:
    rows = {m[1]: m[3].strip() for m in ROW.finditer((APPS_DIR / "README.md").read_text())}
    every = (*contract.RULES, *contract.DATABASE_RULES, *rules_database.counted(""))
    assert set(rows) == {rule.id for rule in every}
    for rule in every:
        assert rows[rule.id] == ("all seven" if rule.baseline else "the five"), rule.id
