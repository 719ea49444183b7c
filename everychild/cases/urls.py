"""Case-management pages: the caseload, opening a case, one case and each of its forms,
referrals made from a case."""

from django.urls import path

from everychild.cases import views

app_name = "cases"

urlpatterns = [
    path("", views.case_list, name="list"),
    path("new/", views.new_case, name="new"),
    path("referrals/<uuid:referral_id>/cancel/", views.referral_cancel, name="referral_cancel"),
    path("<uuid:case_id>/", views.case_detail, name="detail"),
    path("<uuid:case_id>/initial-assessment/", views.initial_assessment,
         name="initial_assessment"),
    path("<uuid:case_id>/comprehensive-assessment/", views.comprehensive_assessment,
         name="comprehensive_assessment"),
    path("<uuid:case_id>/plan/", views.plan, name="plan"),
    path("<uuid:case_id>/plan/decision/", views.decide_plan, name="decide_plan"),
    path("<uuid:case_id>/review/", views.review, name="review"),
    path("<uuid:case_id>/revise/", views.revise, name="revise"),
    path("<uuid:case_id>/closure/", views.closure, name="closure"),
    path("<uuid:case_id>/closure/decision/", views.decide_closure, name="decide_closure"),
    path("<uuid:case_id>/reopen/", views.reopen, name="reopen"),
    path("<uuid:case_id>/assign/", views.assign, name="assign"),
    path("<uuid:case_id>/notes/", views.note, name="note"),
    path("<uuid:case_id>/referrals/new/", views.referral_new, name="referral_new"),
]
