"""The App Home's own buttons: **Update** (the update modal, as `/proc update REQ`) and **Open
renewal request** (the intake modal prefilled from the contract). Approve and Reject on the
Home are the thread's buttons (`ActionId.SAVINGS_APPROVE` / `SAVINGS_REJECT`, handled in
`bot/commands/savings.py`). What the Home shows is `bot/db/home.py`, its blocks
`bot/blocks/home.py`, the `app_home_opened` listener `bot/events/home.py`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App

from bot.actions.access import authorize, load_request, pod_for_new
from bot.blocks.contexts import IntakeForm, RequestForm
from bot.blocks.ids import ActionId
from bot.blocks.modals import IntakePrefill, intake_modal, update_modal
from bot.blocks.text import escape_mrkdwn
from bot.commands.interactions import answer_click, read_click
from bot.db.contracts import open_renewal_requests
from bot.db.models import Contract, PodRow
from bot.domain.lifecycle import Action
from bot.domain.money import Money
from bot.domain.renewals import match_key
from bot.domain.vocabulary import RequestType, Stage
from bot.errors import NotFound, NotPermitted, WrongStage
from bot.slack.outbox import Outbox

if TYPE_CHECKING:
    from bot.runtime import Runtime


def _nothing_to_update(key: str, stage: str) -> str:
    """What an Update or Post update button on a request not negotiating says."""
    if stage in (Stage.CLOSED, Stage.DISQUALIFIED):
        return f"{key} is {stage}; nothing to update."
    return f"{key} is {stage}, not negotiating; nothing to update yet."


def register(app: App, runtime: Runtime) -> None:
    """Listen for the Home's Update and Open renewal request buttons."""

    # An update digest's Post update (bot/blocks/reminders.py) opens the same modal. A button
    # on a request no longer negotiating (a stale Home, a DM line not yet settled) is answered
    # with one sentence about that request: a button press gets no usage line.
    @app.action(ActionId.DM_UPDATE.value)
    @app.action(ActionId.HOME_UPDATE.value)
    def on_update(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        click = read_click(body)
        user, request_id = click.user, click.number

        def handle() -> Outbox:
            if request_id is None:
                raise NotFound("This button does not point at a request.")
            outbox = Outbox(runtime)
            with runtime.db.reading() as session:
                request, pod = load_request(session, runtime.config, request_id, for_update=False)
                if request.stage != Stage.NEGOTIATING:
                    raise WrongStage(_nothing_to_update(request.key, request.stage))
                authorize(runtime.config, user, request, pod, Action.UPDATE)
                metadata = RequestForm(request.id, pod.channel).dumps()
                title = f"{request.key} · {request.customer} · {request.tool}"
                outbox.view(body["trigger_id"], update_modal(metadata, request.key, title))
            return outbox

        # On a DM the refusal is told there; from the Home (no channel) by DM.
        answer_click(
            runtime, body, handle, channel=click.answer_channel, user=user, action="home update"
        )

    @app.action(ActionId.HOME_RENEWAL.value)
    def on_renewal(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        click = read_click(body)
        user, contract_id = click.user, click.number

        def handle() -> Outbox:
            if contract_id is None:
                raise NotFound("This button does not point at a contract.")
            with runtime.db.reading() as session:
                contract = session.get(Contract, contract_id)
                if contract is None:
                    raise NotFound("This contract is no longer in the SaaS stack.")
                pod_key = session.get_one(PodRow, contract.pod_id).key
                # A renewal already opened (by another analyst, from another reminder or the
                # Home): a second one is refused with its key, not opened beside it.
                wanted = match_key(contract.customer, contract.tool)
                for item in open_renewal_requests(session, contract.pod_id):
                    if match_key(item.customer, item.tool) == wanted:
                        names = (
                            f"{escape_mrkdwn(contract.customer)} · {escape_mrkdwn(contract.tool)}"
                        )
                        raise WrongStage(
                            f"{item.key} is already open for this renewal ({names}); "
                            "nothing to open."
                        )
                prefill = IntakePrefill(
                    contract.customer,
                    contract.tool,
                    RequestType.RENEWAL.value,
                    Money(contract.annual_amount, contract.currency),
                    contract.renewal_date,
                )
            pod = runtime.config.find_pod(pod_key)
            if pod is None:
                raise NotFound("This contract's POD is no longer configured.")
            if pod.role_of(user) is None:
                raise NotPermitted(f"This contract belongs to {pod.name}, and you are not in it.")
            pod, _role = pod_for_new(runtime.config, user, pod.channel, Action.NEW)
            metadata = IntakeForm(pod.key, pod.channel).dumps()
            outbox = Outbox(runtime)
            outbox.view(body["trigger_id"], intake_modal(metadata, pod.currency, prefill))
            return outbox

        answer_click(
            runtime, body, handle, channel=click.answer_channel, user=user, action="home renewal"
        )
