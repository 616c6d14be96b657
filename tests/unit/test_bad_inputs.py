from pathlib import Path

from tests.stack import bad_inputs
from tests.stack.bad_inputs import Case, judge

ROOT = Path(__file__).resolve().parent.parent.parent
REFUSED = """PLAY [Check the inputs of the node_exporter hosts before changing anything] ***
TASK [plugspace.monitoring.node_exporter : preflight | Check the node_exporter inputs] ***
fatal: [data]: FAILED! =>
    assertion: __node_exporter_problems | length == 0
    msg: node_exporter_port must be a port number from 1 to 65535 (got 70000)
"""
CASE = Case(vars={"node_exporter_port": 70000}, expect=("node_exporter_port", "65535"))


def test_a_refusal_naming_the_variable_passes() -> None:
    verdict = judge(CASE, 2, REFUSED)
    assert verdict.passed
    assert verdict.message == "node_exporter_port must be a port number from 1 to 65535 (got 70000)"


def test_a_green_run_fails_the_case() -> None:
    assert judge(CASE, 0, REFUSED).why == "the run passed green"


def test_a_message_without_the_variable_fails_the_case() -> None:
    verdict = judge(CASE, 2, "fatal: [data]: FAILED! =>\n    msg: template error\n")
    assert not verdict.passed
    assert "does not mention" in verdict.why


def test_a_preflight_case_fails_when_a_later_play_started() -> None:
    output = REFUSED.replace("PLAY [Check", "PLAY [Node exporter on every host] ***\nPLAY [Check")
    assert judge(CASE, 2, output).why == "a play after the input checks started"
    runtime = Case(vars=CASE.vars, expect=CASE.expect, kind="runtime")
    assert judge(runtime, 2, output).passed


def test_report_and_labels() -> None:
    text = bad_inputs.report([judge(CASE, 2, REFUSED), judge(CASE, 0, "")])
    assert "| refused | preflight | `node_exporter_port=70000` |" in text
    assert "NOT REFUSED AS NEEDED: the run passed green" in text


def test_the_stack_matrix_loads_and_is_large_enough() -> None:
    cases = bad_inputs.load_cases(ROOT / "tests" / "stack" / "bad_input_cases.yml")
    assert len(cases) >= 25
    assert {case.kind for case in cases} == {"preflight", "runtime"}
    # Each case names the variable it breaks (its first variable) in what it expects,
    # except runtime cases, which name the service.
    for case in cases:
        if case.kind == "preflight":
            assert any(name in " ".join(case.expect) for name in case.vars), case.label


def test_failure_message_reads_wrapped_yaml_and_error_lines() -> None:
    wrapped = "fatal: [a]: FAILED! =>\n    msg: 'first part\n        second part'\n    other: 1\n"
    assert bad_inputs.failure_message(wrapped) == "first part second part"
    line = "[ERROR]: Task failed: Action failed: x_var must be a port (got 0)\nOrigin: f.yml\n"
    assert bad_inputs.failure_message(line) == "x_var must be a port (got 0)"
