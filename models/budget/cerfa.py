"""A scenario's first year as the budget prévisionnel French associations file for a
subsidy (CERFA n° 12156): charges by account (60 to 68, then the indirect charges: the
operator's overhead), produits (70, 74 by funder, 75 to 78), contributions volontaires
en nature (86 emplois = 87 contributions), balanced; the start-up investment (class 2
accounts) shown apart, as it is not a charge of the operating budget.

Figures only (no layout): documents/cerfa.py writes them as a sheet with live formulas.
"""
from collections import OrderedDict, namedtuple
from decimal import Decimal

from .figures import funding_amount, funding_status
from .models import CHARGE_ACCOUNTS, DEFAULT_ACCOUNTS, FUNDER_KINDS, INVESTMENT_ACCOUNT

ZERO = Decimal("0")
# Produits accounts other than 74 (subsidies, by funder): nothing in a scenario feeds
# them yet, the form lists them empty for the association to fill.
OTHER_PRODUCTS = [
    ("70", "70 – Ventes de produits finis, de marchandises, prestations de services"),
    ("75", "75 – Autres produits de gestion courante (cotisations, dons manuels, mécénat)"),
    ("76", "76 – Produits financiers"),
    ("77", "77 – Produits exceptionnels"),
    ("78", "78 – Reprises sur amortissements et provisions"),
]
SUBSIDIES = ("74", "74 – Subventions d'exploitation")
# How the form names each kind of funder under account 74.
SUBSIDY_HEADINGS = OrderedDict([
    ("etat", "État (précisez le ministère, la direction ou le fonds)"),
    ("region", "Région(s)"),
    ("departement", "Département(s)"),
    ("commune", "Commune(s), intercommunalité(s) (EPCI)"),
    ("caf", "Organismes sociaux (CAF…)"),
    ("ue", "Fonds européens (FSE+…)"),
    ("fondation", "Aides privées (fondations, entreprises…)"),
    ("autre", "Autres financeurs"),
])
assert list(SUBSIDY_HEADINGS) == [code for code, _ in FUNDER_KINDS]
INDIRECT_CHARGES = "Charges indirectes affectées à l'action"
OVERHEAD_LABEL = "Frais de gestion de l'opérateur (paie, comptabilité…)"
SURPLUS_LABEL = "Excédent prévisionnel (financements au-delà des charges)"
TO_FIND_LABEL = "Financement restant à trouver"
# Contributions volontaires en nature: the kind of a funding line → (86 emploi, 87 contribution).
IN_KIND = OrderedDict([
    ("mise_a_disposition", ("861 – Mise à disposition gratuite de biens et services",
                            "871 – Prestations en nature (biens et locaux prêtés)")),
    ("benevolat", ("864 – Personnel bénévole", "870 – Bénévolat")),
])
EMPLOYMENTS = "86 – Emplois des contributions volontaires en nature"
CONTRIBUTIONS = "87 – Contributions volontaires en nature"
INVESTMENT = "Investissement au démarrage (comptes 21, hors budget de fonctionnement)"

CerfaLine = namedtuple("CerfaLine", "label amount status")
CerfaLine.__new__.__defaults__ = (None,)


def account_of(line):
    """A cost line's CERFA account: its own, or its category's default."""
    return line.account or DEFAULT_ACCOUNTS.get(line.category, "65")


class CerfaBudget:
    """The budget prévisionnel of a scenario's first year (ScenarioTotals `totals`)."""

    def __init__(self, totals):
        self.totals = totals
        self.year = totals.first_year
        self.charges = OrderedDict((code, []) for code, _ in CHARGE_ACCOUNTS)
        self.investment = []
        for line in totals.cost_lines:  # year one: recurring and one-off lines alike
            account = account_of(line)
            target = self.investment if account == INVESTMENT_ACCOUNT else self.charges[account]
            target.append(CerfaLine(line.designation, Decimal(line.amount or 0)))
        self.overhead = totals.overhead
        self.subsidies = OrderedDict((code, []) for code in SUBSIDY_HEADINGS)
        for line in totals.cash_lines:
            amount = funding_amount(line, self.year)
            if amount:  # a lead not priced yet asks for nothing
                self.subsidies[line.funder_kind].append(
                    CerfaLine(line.funder, amount, funding_status(line, self.year)))
        self.in_kind = OrderedDict((kind, []) for kind in IN_KIND)
        for line in totals.in_kind_lines:
            self.in_kind.setdefault(line.kind, []).append(
                CerfaLine(line.funder, funding_amount(line, self.year), funding_status(line, self.year)))

    @staticmethod
    def _sum(lines):
        return sum((line.amount for line in lines), ZERO)

    def account_total(self, account):
        return self._sum(self.charges[account])

    def kind_total(self, kind):
        return self._sum(self.subsidies[kind])

    @property
    def direct_charges(self):
        return sum((self.account_total(a) for a in self.charges), ZERO)

    @property
    def charges_before_balance(self):
        return self.direct_charges + self.overhead

    @property
    def subsidies_total(self):
        return sum((self.kind_total(k) for k in self.subsidies), ZERO)

    @property
    def surplus(self):
        return max(self.subsidies_total - self.charges_before_balance, ZERO)

    @property
    def to_find(self):
        return max(self.charges_before_balance - self.subsidies_total, ZERO)

    @property
    def total_charges(self):
        return self.charges_before_balance + self.surplus

    @property
    def total_products(self):
        return self.subsidies_total + self.to_find

    @property
    def in_kind_total(self):
        """86 = 87: each contribution is used as it is given."""
        return sum((self._sum(lines) for lines in self.in_kind.values()), ZERO)

    @property
    def investment_total(self):
        return self._sum(self.investment)
