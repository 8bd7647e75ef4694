from core.generic import crud_urls

from . import views
from .models import AidProject, Donation, FundingLine

app_name = "projects"

urlpatterns = [
    *crud_urls(
        "projects",
        AidProject,
        list_view=views.AidProjectList,
        detail_view=views.AidProjectDetail,
        edit_view=views.AidProjectEdit,
        delete_view=views.AidProjectDelete,
    ),
    *crud_urls(
        "funding",
        FundingLine,
        list_view=views.FundingLineList,
        detail_view=views.FundingLineDetail,
        edit_view=views.FundingLineEdit,
        delete_view=views.FundingLineDelete,
    ),
    *crud_urls(
        "donations",
        Donation,
        list_view=views.DonationList,
        detail_view=views.DonationDetail,
        edit_view=views.DonationEdit,
        delete_view=views.DonationDelete,
    ),
]
