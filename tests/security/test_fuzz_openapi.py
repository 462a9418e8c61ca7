"""Fuzzing: schemathesis against each service's own OpenAPI document, through its WSGI app.

For every documented operation, valid (positive) and invalid (negative) requests are generated from
the document, authenticated as an admin (who may call everything, so the code behind the checks runs),
against the real data of tests/security/worlds.py on PostgreSQL. Half the generated cases have their
ids pinned to records that exist, so the fuzzer reaches past the "no such group" answer, and a quarter
carry a NUL character (which PostgreSQL cannot store) in a text value.
Each answer must be no server error, a documented status and content type, and match the documented
schema. The run is deterministic (derandomized Hypothesis) and its case count is reported.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.failures import Failure, FailureGroup

from tests.security.figures import FIGURES
from tests.security.worlds import NotificationsWorld, RosterWorld, SessionsWorld

EXAMPLES_PER_MODE = 40  # per operation, for positive and for negative data
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
NO_LIMITS = {"RATE_LIMIT_AUTH_FAILURES_PER_MINUTE": "0", "RATE_LIMIT_JOIN_PER_MINUTE": "0"}
WORLDS = {"roster": RosterWorld, "sessions": SessionsWorld, "notifications": NotificationsWorld}


@dataclass
class FuzzRun:
    world: object
    cases: int = 0
    server_errors: int = 0
    successes: int = 0
    no_invalid_form: list[str] = field(default_factory=list)
    failures: dict[str, str] = field(default_factory=dict)  # one example per operation and kind of failure

    def adjust(self, case, pin: bool, nul: bool):
        """Half the cases name real records (in the path, and wherever the body names a known id);
        a quarter carry U+0000 in their first text value, the classic way into a PostgreSQL error."""
        bodies = [item for item in (case.body if isinstance(case.body, list) else [case.body])
                  if isinstance(item, dict)]
        if pin:
            known = self.world.known_ids
            for name in case.path_parameters or {}:
                if name in known:
                    case.path_parameters[name] = known[name]
            for item in bodies:
                item.update({name: known[name] for name in item if name in known})
        if nul:
            for values in [*bodies, case.query or {}]:
                text = next((name for name, value in values.items() if isinstance(value, str)), None)
                if text is not None:
                    values[text] += "\x00"
                    break
        return case

    def fuzz(self, operation, mode: GenerationMode) -> None:
        strategy = st.tuples(operation.as_strategy(generation_mode=mode), st.booleans(),
                             st.integers(0, 3).map(lambda n: n == 0))

        @settings(max_examples=EXAMPLES_PER_MODE, derandomize=True, database=None, deadline=None,
                  phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
        @given(generated=strategy)
        def one_case(generated):
            case = self.adjust(*generated)
            response = case.call(headers=self.world.headers["admin"])
            self.cases += 1
            self.server_errors += response.status_code >= 500
            self.successes += response.status_code < 300
            try:
                case.validate_response(response, checks=CHECKS)
            except (Failure, FailureGroup) as failed:
                key = f"{operation.label} [{mode.value}] {type(failed).__name__} {response.status_code}"
                self.failures.setdefault(key, f"{case.as_curl_command()}\n{failed}"[:1500])

        try:
            one_case()
        except Unsatisfiable:
            # Nothing in this operation can be made invalid (a lone path id: an empty one is no URL).
            assert mode is GenerationMode.NEGATIVE, operation.label
            self.no_invalid_form.append(operation.label)


@pytest.mark.parametrize("service", list(WORLDS))
def test_the_api_survives_fuzzing_and_keeps_to_its_document(settings_for, service):
    world = WORLDS[service](settings_for, NO_LIMITS)
    schema = schemathesis.openapi.from_wsgi("/openapi.json", world.http.application)
    run = FuzzRun(world)
    operations = [result.ok() for result in schema.get_all_operations()]
    for operation in operations:
        for mode in GenerationMode:
            run.fuzz(operation, mode)

    FIGURES[f"fuzz cases ({service}, {len(operations)} operations)"] = run.cases
    FIGURES[f"fuzz server errors ({service})"] = run.server_errors
    FIGURES[f"fuzz cases answered 2xx/3xx ({service})"] = run.successes
    assert run.failures == {}, "\n\n".join(f"{key}\n{example}" for key, example in run.failures.items())
    assert run.server_errors == 0
    assert run.cases >= len(operations) * EXAMPLES_PER_MODE  # generation was not starved
    assert len(run.no_invalid_form) < len(operations) / 2, run.no_invalid_form
