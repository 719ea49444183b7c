"""Transfer pages at request level: proposing (the place's name checked back, a refusal as a
form error with nothing changed, a move at home at once), the receiving county's decision, the
sender's trace, and who may do what (403 without the capability, 404 for a child or a transfer
outside the jurisdiction)."""

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from everychild.audit.models import AuditEvent
from everychild.registry.models import Child, ChildTransfer, TransferState
from everychild.registry.tests.factories import (
    OTHER_COUNTY_VILLAGE,
    OTHER_VILLAGE_SAME_TOWNSHIP,
    VILLAGE,
)

# clock, director, officer (洋县's civil-affairs officer), social_worker and child (registered in
# 东咀村, 洋县): the shared fixtures of everychild.cases.tests.fixtures.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]
REASON = "随父母到陇川县生活"



def signed_in(client, actor):
    client.force_login(actor.user)
    return client


def text(response) -> str:
    return response.content.decode()


def said(message: str, **params) -> str:
    with translation.override("zh-hans"):
        return escape(translation.gettext(message) % params if params else
                      translation.gettext(message))


def propose_url(child) -> str:
    return reverse("transfer_propose", kwargs={"child_id": child.pk})


def test_the_form_checks_the_place_back_by_name(client, officer, child):
    signed_in(client, officer)
    page = client.get(propose_url(child))
    assert page.status_code == 200 and 'data-testid="transfer-form"' in text(page)
    assert child.name in text(page)
    checked = client.post(propose_url(child), {"to_division_code": OTHER_COUNTY_VILLAGE,
                                               "reason": "", "check": "1"})
    body = text(checked)
    assert checked.status_code == 200 and 'data-testid="transfer-place"' in body
    assert "陇川县" in body and "章凤镇" in body  # the village's township and county
    assert not ChildTransfer.objects.exists()  # a check proposes nothing
    wrong = client.post(propose_url(child), {"to_division_code": "533124000000", "check": "1"})
    assert wrong.status_code == 422 and 'data-testid="transfer-place"' not in text(wrong)


def test_a_county_with_nobody_to_receive_refuses_and_nothing_changes(client, officer, child):
    signed_in(client, officer)
    response = client.post(propose_url(child), {"to_division_code": OTHER_COUNTY_VILLAGE,
                                                "reason": REASON})
    assert response.status_code == 422
    assert said("Nobody in %(county)s can receive the child yet (no civil-affairs officer with "
                "the right to accept transfers): nothing was changed. Ask that county to set one "
                "up.", county="陇川县") in text(response)
    assert not ChildTransfer.objects.exists()
    assert Child.objects.get(pk=child.pk).division_code == VILLAGE


def test_bad_input_is_a_form_error(client, officer, lc_officer, child):
    signed_in(client, officer)
    for body in ({"to_division_code": "12345", "reason": REASON},
                 {"to_division_code": VILLAGE, "reason": REASON},  # where the child lives
                 {"to_division_code": OTHER_COUNTY_VILLAGE, "reason": ""}):
        response = client.post(propose_url(child), body)
        assert response.status_code == 422 and "errorlist" in text(response), body
    assert not ChildTransfer.objects.exists()


def test_propose_accept_the_child_moves_and_the_sender_keeps_the_trace(client, officer,
                                                                      lc_officer, child):
    signed_in(client, officer)
    sent = client.post(propose_url(child), {"to_division_code": OTHER_COUNTY_VILLAGE,
                                            "reason": REASON})
    assert sent.status_code == 302 and sent["Location"] == reverse("transfer_list")
    transfer = ChildTransfer.objects.get()
    assert transfer.state == TransferState.PROPOSED
    trace = text(client.get(reverse("transfer_list")))
    assert 'data-testid="transfer-out-row"' in trace and 'data-testid="transfer-cancel"' in trace
    assert 'data-testid="transfer-accept"' not in trace  # the sender does not decide

    signed_in(client, lc_officer)
    listing = client.get(reverse("transfer_list"))
    body = text(listing)
    assert listing.status_code == 200
    assert body.count('data-testid="transfer-incoming-row"') == 1 and child.name in body
    assert REASON in body and 'data-testid="transfer-accept"' in body
    assert AuditEvent.objects.filter(action="transfer.list", actor_id=lc_officer.user.pk).exists()
    detail = reverse("child_detail", kwargs={"child_id": child.pk})
    assert client.get(detail).status_code == 404  # not here yet
    accepted = client.post(reverse("transfer_accept", kwargs={"transfer_id": transfer.pk}))
    assert accepted.status_code == 302
    assert Child.objects.get(pk=child.pk).division_code == OTHER_COUNTY_VILLAGE
    assert client.get(detail).status_code == 200
    assert 'data-testid="transfer-incoming-row"' not in text(client.get(reverse("transfer_list")))

    signed_in(client, officer)
    assert client.get(detail).status_code == 404
    trace = text(client.get(reverse("transfer_list")))
    assert 'data-testid="transfer-out-row"' in trace and 'data-state="accepted"' in trace
    assert lc_officer.user.full_name in trace  # who decided
    assert 'data-testid="transfer-cancel"' not in trace


def test_decline_needs_a_reason_and_the_sender_may_withdraw(client, officer, lc_officer, child):
    from everychild.registry import transfers

    transfer = transfers.propose(officer, child.pk, OTHER_COUNTY_VILLAGE, REASON)
    decline = reverse("transfer_decline", kwargs={"transfer_id": transfer.pk})
    signed_in(client, lc_officer)
    bare = client.post(decline, {"reason": ""})
    assert bare.status_code == 422 and said("Say why the transfer is declined.") in text(bare)
    assert ChildTransfer.objects.get().state == TransferState.PROPOSED
    # the sender may not decide, the receiver may not withdraw: neither sees it that way
    assert client.post(reverse("transfer_cancel",
                               kwargs={"transfer_id": transfer.pk})).status_code == 404
    signed_in(client, officer)
    assert client.post(reverse("transfer_accept",
                               kwargs={"transfer_id": transfer.pk})).status_code == 404
    assert client.post(reverse("transfer_cancel",
                               kwargs={"transfer_id": transfer.pk})).status_code == 302
    assert ChildTransfer.objects.get().state == TransferState.CANCELLED
    signed_in(client, lc_officer)
    late = client.post(decline, {"reason": "无法接收"})
    assert late.status_code == 422 and said("This transfer was already decided.") in text(late)
    again = transfers.propose(officer, child.pk, OTHER_COUNTY_VILLAGE, REASON)
    declined = client.post(reverse("transfer_decline", kwargs={"transfer_id": again.pk}),
                           {"reason": "无法接收"})
    assert declined.status_code == 302
    assert ChildTransfer.objects.get(pk=again.pk).decline_reason == "无法接收"
    assert Child.objects.get(pk=child.pk).division_code == VILLAGE


def test_a_move_inside_the_jurisdiction_takes_effect_at_once(client, officer, child):
    signed_in(client, officer)
    moved = client.post(propose_url(child), {"to_division_code": OTHER_VILLAGE_SAME_TOWNSHIP,
                                             "reason": "随奶奶搬到邻村"}, follow=True)
    assert moved.status_code == 200
    assert Child.objects.get(pk=child.pk).division_code == OTHER_VILLAGE_SAME_TOWNSHIP
    assert ChildTransfer.objects.get().state == TransferState.ACCEPTED
    assert 'data-testid="child-name"' in text(moved)  # back on the child's profile
    assert said("The child was moved to %(place)s. The move is inside your jurisdiction, so it "
                "took effect at once.", place="白鹤村委会 · 洋州街道 · 洋县") in text(moved)


def test_who_may_use_the_pages(client, officer, lc_officer, social_worker, director, child,
                               make_actor):
    signed_in(client, social_worker)  # sees the child, may not move it
    assert client.get(propose_url(child)).status_code == 403
    assert client.post(propose_url(child), {"to_division_code": OTHER_COUNTY_VILLAGE,
                                            "reason": REASON}).status_code == 403
    assert client.get(reverse("transfer_list")).status_code == 200  # the trace, read-only
    signed_in(client, lc_officer)  # may move children, not this one
    assert client.get(propose_url(child)).status_code == 404
    signed_in(client, make_actor("county_analyst", "610723000000"))
    assert client.get(reverse("transfer_list")).status_code == 403
    assert not ChildTransfer.objects.exists()
