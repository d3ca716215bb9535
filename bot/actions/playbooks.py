"""Negotiation playbooks (issue 34): a won request's buyer says, once, which levers worked (or
skips it, recording nothing); an em marks a closed request as a case study; `/proc playbook
<tool>` and the summary its buyer is shown at assign."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot.actions import Work, arguments
from bot.actions.access import load_request, require_member
from bot.actions.pricing import benchmark_answer, since
from bot.blocks.playbooks import (
    PlaybookSummary,
    PlaybookView,
    ResellerLine,
    StudyLine,
    levers_line,
    levers_skipped,
    playbook_summary,
    playbook_text,
)
from bot.blocks.text import escape_mrkdwn
from bot.config import Config, Pod
from bot.db.benchmarks import deals
from bot.db.models import CaseStudy, LeverAnswer, Request
from bot.db.playbooks import case_study, lever_answer, playbook_facts, tool_name
from bot.domain.events import LeversAnswered, LeversSkipped, RequestChanged
from bot.domain.names import name_key
from bot.domain.playbooks import (
    Lever,
    dumps_levers,
    median_months,
    rank_levers,
    read_levers,
)
from bot.domain.pricing import median
from bot.domain.vocabulary import Outcome, Role, Stage
from bot.errors import NotFound, NotPermitted, WrongStage


def _buyer_or_em(config: Config, user: str, request: Request, pod: Pod) -> None:
    require_member(config, user)
    if request.buyer_id == user or pod.role_of(user) == Role.EM:
        return
    raise NotPermitted(
        f"Only {request.key}'s buyer"
        + (f" (<@{request.buyer_id}>)" if request.buyer_id else "")
        + f" or an em of {pod.name} may say what worked on it."
    )


def _won(request: Request) -> None:
    if request.stage != Stage.CLOSED or request.outcome != Outcome.WON:
        raise WrongStage(f"{request.key} was not won, so it has no levers to name.")


def _unanswered(session: Session, request: Request) -> None:
    answer = lever_answer(session, request.id)
    if answer is not None:
        raise WrongStage(
            f"<@{answer.answered_by}> already said what worked on {request.key}; it is asked once."
        )


# -- the levers -----------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordLevers:
    """The levers form as submitted: the ticked levers' values and the line; the ask it was
    opened from, when it was opened from the thread."""

    number: int
    values: tuple[str, ...]
    note: str | None
    channel: str | None = None
    ts: str | None = None


@dataclass(frozen=True)
class LeversRecorded:
    key: str
    levers: tuple[Lever, ...]


def check_levers(session: Session, config: Config, user: str, request: Request, pod: Pod) -> None:
    """Refuse unless `user` may name the request's levers now (the form is opened only then)."""
    _buyer_or_em(config, user, request, pod)
    _won(request)
    _unanswered(session, request)


def record_levers(work: Work, user: str, given: RecordLevers) -> LeversRecorded:
    """Record which levers worked on a won request, once; its thread (the ask, in place) says
    so, and the buyer's reminder is settled."""
    request, pod = load_request(work.session, work.config, given.number)
    check_levers(work.session, work.config, user, request, pod)
    levers, note = arguments(read_levers, given.values, given.note)
    work.session.add(
        LeverAnswer(
            request_id=request.id, levers=dumps_levers(levers), note=note, answered_by=user,
            answered_at=work.now,
        )
    )  # fmt: skip
    work.session.flush()
    ordered = tuple(lever for lever in Lever if lever in levers)
    line = levers_line(request.key, user, ordered, note)
    work.record(LeversAnswered(request.id, line, given.channel, given.ts))
    return LeversRecorded(request.key, ordered)


@dataclass(frozen=True)
class SkipLevers:
    number: int
    channel: str
    ts: str


@dataclass(frozen=True)
class LeversSkippedOutcome:
    key: str


def skip_levers(work: Work, user: str, given: SkipLevers) -> LeversSkippedOutcome:
    """Skip the question for now: nothing is recorded (the buyer is reminded once); the ask's
    buttons give way to a line saying so."""
    request, pod = load_request(work.session, work.config, given.number, for_update=False)
    _buyer_or_em(work.config, user, request, pod)
    _won(request)
    _unanswered(work.session, request)
    text, _blocks = levers_skipped(request.key, request.buyer_id or user, user)
    work.record(LeversSkipped(request.id, text, given.channel, given.ts))
    return LeversSkippedOutcome(request.key)


# -- case studies -------------------------------------------------------------------------


@dataclass(frozen=True)
class MarkCaseStudy:
    number: int


@dataclass(frozen=True)
class CaseStudyMarked:
    key: str
    tool: str


def mark_case_study(work: Work, user: str, given: MarkCaseStudy) -> CaseStudyMarked:
    """An em marks a closed request as a case study of its tool's playbook, once."""
    request, pod = load_request(work.session, work.config, given.number)
    require_member(work.config, user)
    if pod.role_of(user) != Role.EM:
        raise NotPermitted(f"Only an em of {pod.name} may mark a case study.")
    if request.stage != Stage.CLOSED:
        raise WrongStage(f"{request.key} is not closed yet; a case study is a closed request.")
    marked = case_study(work.session, request.id)
    if marked is not None:
        raise WrongStage(f"<@{marked.marked_by}> already marked {request.key} as a case study.")
    work.session.add(CaseStudy(request_id=request.id, marked_by=user, marked_at=work.now))
    work.session.flush()
    work.record(RequestChanged(request.id, "case study"))
    return CaseStudyMarked(request.key, request.tool)


# -- the playbook ---------------------------------------------------------------------------


def _resolve_tool(session: Session, pod: Pod, words: str) -> tuple[str, str]:
    tool_key = name_key(words)
    tool = tool_name(session, pod.key, tool_key)
    if tool is None:
        raise NotFound(f"{pod.name} has no requests for {escape_mrkdwn(words)} yet.")
    return tool_key, tool


def playbook_answer(session: Session, config: Config, pod: Pod, words: str, now: datetime) -> str:
    """`/proc playbook <tool>`: the per-seat benchmark, the won requests and their median term,
    the levers ranked by the above-benchmark results they came with, the resellers quoted and
    their best prices, and the case studies — the POD's own requests only."""
    if not words.strip():
        raise NotFound("Give the tool whose playbook you want, e.g. Figma.")
    tool_key, tool = _resolve_tool(session, pod, words)
    try:
        benchmark = benchmark_answer(session, config, pod, tool, None, now)
    except NotFound:
        benchmark = "*Per-seat price:* no itemised quotes yet."
    facts = playbook_facts(session, pod.key, tool_key, tool, pod.currency)
    view = PlaybookView(
        tool=tool, pod_name=pod.name, currency=pod.currency, benchmark=benchmark,
        won=facts.won, median_term=median_months(facts.terms),
        ranks=rank_levers(facts.results), answered=len(facts.results),
        resellers=[ResellerLine(r.vendor, r.quotes, r.best_unit, r.lowest)
                   for r in facts.resellers],
        studies=[StudyLine(s.key, s.customer, s.marked_by, sorted(s.levers, key=list(Lever).index),
                           s.note) for s in facts.case_studies],
        command=config.slack.command,
    )  # fmt: skip
    return playbook_text(view)


def summary_at_assign(
    session: Session, config: Config, pod: Pod, request: Request, buyer: str, now: datetime
) -> str | None:
    """The playbook's summary for the buyer a request was just assigned to, without naming a
    customer; None when the POD has nothing on the tool yet (no win, no quote)."""
    facts = playbook_facts(session, pod.key, request.tool_key, request.tool, pod.currency)
    found = deals(session, pod.key, request.tool_key, None, (1, None), since(now), pod.currency)
    if not facts.won and not facts.resellers and not found:
        return None
    prices = [d.annual_unit_price for d in found]
    best = facts.resellers[0] if facts.resellers else None
    summary = PlaybookSummary(
        tool=request.tool, won=len(facts.won), median_term=median_months(facts.terms),
        deals=len(found), median_unit=median(prices) if prices else None,
        best_unit=min(prices) if prices else None, min_deals=config.benchmark_min_deals,
        ranks=rank_levers(facts.results),
        best_reseller=ResellerLine(best.vendor, best.quotes, best.best_unit, best.lowest)
        if best is not None else None,
        studies=len(facts.case_studies), currency=pod.currency, command=config.slack.command,
    )  # fmt: skip
    return playbook_summary(buyer, summary)
