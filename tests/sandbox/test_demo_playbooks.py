"""Issue 34 in the demo: each POD's won requests say what worked, one is a case study, the
tool's playbook reads them; and a bundle of customers renewing the same tool is proposed to the
POD's em."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from bot.actions.playbooks import playbook_answer
from bot.db.models import Bundle, BundleMember, CaseStudy, LeverAnswer, PodRow, Request
from tests.sandbox.conftest import READS_THE_DEMO, SeededDemo

pytestmark = READS_THE_DEMO


def test_each_pod_has_a_playbook_and_a_bundle_proposal(demo: SeededDemo) -> None:
    assert demo.problems == []
    runtime = demo.sandbox.runtime
    assert runtime is not None
    config = runtime.config
    with runtime.db.reading() as session:
        answered = Counter(
            session.scalars(
                select(PodRow.key)
                .select_from(LeverAnswer)
                .join(Request, Request.id == LeverAnswer.request_id)
                .join(PodRow, PodRow.id == Request.pod_id)
            )
        )
        studied = session.execute(
            select(PodRow.key, Request.tool)
            .select_from(CaseStudy)
            .join(Request, Request.id == CaseStudy.request_id)
            .join(PodRow, PodRow.id == Request.pod_id)
        ).all()
        assert set(answered.values()) == {2} and len(studied) == len(answered)
        for pod_key, tool in studied:
            text = playbook_answer(session, config, config.pod(pod_key), tool, runtime.clock.now())
            assert "*Won:* 2 requests" in text
            assert "1. multi-year — above benchmark in" in text or "1. competing quote" in text
            assert "*Case studies:*" in text
        bundles = session.scalars(select(Bundle)).all()
        sizes = [
            len(session.scalars(select(BundleMember).where(BundleMember.bundle_id == b.id)).all())
            for b in bundles
        ]
    # Each POD's first tool renews for three of its customers (a tool two PODs share makes one
    # bundle of both PODs' customers).
    assert bundles and all(size >= 2 for size in sizes)
    assert sum(sizes) >= 2 * len(config.pods)
    proposals = [
        c for c in demo.sandbox.api.calls_to("chat.postMessage")
        if str(c.params.get("text")).startswith(":package: *Bundle?*")
    ]  # fmt: skip
    ems = {em for pod in config.pods for em in pod.members_with("em")}
    assert len(proposals) >= len(ems)
