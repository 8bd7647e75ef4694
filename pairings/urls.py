from core.generic import crud_urls

from . import views
from .models import Agreement, Pairing, Programme, School
from .views_pairing import PairingDetail

app_name = "pairings"

urlpatterns = [
    *crud_urls(
        "schools",
        School,
        list_view=views.SchoolList,
        detail_view=views.SchoolDetail,
        edit_view=views.SchoolEdit,
        delete_view=views.SchoolDelete,
    ),
    *crud_urls(
        "programmes",
        Programme,
        list_view=views.ProgrammeList,
        detail_view=views.ProgrammeDetail,
        edit_view=views.ProgrammeEdit,
        delete_view=views.ProgrammeDelete,
    ),
    *crud_urls(
        "pairings",
        Pairing,
        list_view=views.PairingList,
        detail_view=PairingDetail,
        edit_view=views.PairingEdit,
        delete_view=views.PairingDelete,
    ),
    *crud_urls(
        "agreements",
        Agreement,
        list_view=views.AgreementList,
        detail_view=views.AgreementDetail,
        edit_view=views.AgreementEdit,
        delete_view=views.AgreementDelete,
    ),
]
