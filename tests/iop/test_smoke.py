from tests.conftest import Tenant


def test_clinic_home_renders_for_a_member(clinic_a: Tenant) -> None:
    response = clinic_a.client_for().get(f"/c/{clinic_a.clinic.slug}/")
    assert response.status_code == 200
    assert clinic_a.clinic.name in response.content.decode()
