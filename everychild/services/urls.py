"""Service directory, referral and allowance pages."""

app_name = "services"

urlpatterns: list = []
