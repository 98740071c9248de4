"""A service's form pieces shared by its own grid (admin_views/services.py) and the
structure's form, where its services are edited inline (admin_views/directory.py)."""
from flask_admin.model.form import InlineFormAdmin
from wtforms import StringField

from models.services import split_codes


class CodeListInput(StringField):
    """The zone d'intervention typed as '86194, 86, 248600413' (checked by the model)."""

    def process_formdata(self, valuelist):
        self.data = split_codes(valuelist[0]) if valuelist else []

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return ", ".join(self.data or [])


class ServiceInline(InlineFormAdmin):
    """A structure's services, added and edited on its form (the details on the service's own)."""

    form_columns = ("id", "nom", "thematiques", "publics", "modes_accueil", "modes_mobilisation",
                    "telephone", "horaires_accueil", "description", "date_maj")
    # The structure's form converts the lines (its own form_overrides): the zone is added here.
    form_extra_fields = {"zone_eligibilite": CodeListInput(
        "Zone d'intervention", description="Codes INSEE de communes, de départements ou d'EPCI, ou « france ».")}
    form_label = "Service"
