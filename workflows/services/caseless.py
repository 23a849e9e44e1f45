"""Processes that drive no case: a key person's care visits (``care_visit``) and a volunteer
order (``service_order``). Their instances wait, fire timers and hand out tasks like a
case's, but what a step means — the register's next visit, an order's escalation — is
settled by the module of their area, in the same transaction as the step."""

from __future__ import annotations

from collections.abc import Callable

from engine.instances import Transition
from workflows.adapters.unit_of_work import CaseUnitOfWork
from workflows.services import care_visits, service_orders
from workflows.services.case_progress import schedule
from workflows.services.context import GridcaseContext

Settler = Callable[[GridcaseContext, CaseUnitOfWork, Transition], None]

SETTLERS: dict[str, Settler] = {
    "care_visit": care_visits.settle,
    "service_order": service_orders.settle,
}


def settle_caseless(ctx: GridcaseContext, uow: CaseUnitOfWork, transition: Transition) -> None:
    """Hand a transition of a case-less instance to its area; an unknown process only
    gets its wake-up scheduled."""
    settler = SETTLERS.get(transition.instance.process_id)
    if settler is None:
        schedule(ctx, uow, [transition])
    else:
        settler(ctx, uow, transition)
