"""The demo network: fusion centers (from the shipped CSV), member agencies and their people.

Agencies and centers are realistic (real names of real kinds of agency); every person, phone
number and e-mail address is fictional (555-01xx numbers, example.com addresses).
"""

import csv
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from core.states import STATE_CODES

CENTERS_CSV = Path(__file__).resolve().parent.parent / "data" / "fusion_centers.csv"
CENTER_KINDS = {"primary", "recognized"}

# Published in the command's output: every demo account signs in with it. The portal's password
# rules refuse it (it is built from the portal's name, agencies/passwords.py), and that is
# deliberate: it is a published demo password for made-up accounts, set by the seeding as a hash
# without the validators. No real account can be given it.
DEMO_PASSWORD = "fusion-portal-demo"


@dataclass(frozen=True)
class CenterRow:
    name: str
    short_name: str
    state: str
    kind: str

    @property
    def ref(self):
        return (self.short_name, self.state)


def load_centers(path=CENTERS_CSV):
    """The rows of the centers CSV, checked: a clear error names a bad row."""
    try:
        with open(path, newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
    except OSError as error:
        message = f"Cannot read the fusion centers list {path}: {error}"
        raise ImproperlyConfigured(message) from error
    centers, seen_names, seen_refs = [], set(), set()
    for line, row in enumerate(rows, start=2):
        center = CenterRow(
            name=(row.get("name") or "").strip(),
            short_name=(row.get("short_name") or "").strip(),
            state=(row.get("state") or "").strip().upper(),
            kind=(row.get("kind") or "").strip().lower(),
        )
        problem = None
        if not center.name:
            problem = "has no name"
        elif center.state not in STATE_CODES:
            problem = f"names an unknown state {center.state!r}"
        elif center.kind not in CENTER_KINDS:
            problem = f"has kind {center.kind!r}, not primary or recognized"
        elif center.name in seen_names:
            problem = f"repeats the center {center.name!r}"
        elif center.short_name and center.ref in seen_refs:
            # Short names repeat across states (KIFC, MIAC, STAC), never within one.
            problem = f"repeats the short name {center.short_name!r} in {center.state}"
        if problem:
            raise ImproperlyConfigured(f"{path}, line {line} {problem}.")
        seen_names.add(center.name)
        seen_refs.add(center.ref)
        centers.append(center)
    return centers


@dataclass(frozen=True)
class AgencySpec:
    code: str  # the demo's handle: analyst_<code> and admin_<code> work there
    name: str
    ori: str
    level: str
    state: str
    # (short name, state) of each center it is a member of; the state's primary center first.
    centers: tuple
    contact: str
    phone: str
    suspended_in: tuple = ()  # centers where its membership is suspended
    foreign_partner: bool = False  # LES and criminal intelligence never reach it
    member_since: datetime = field(default=datetime(2019, 6, 3, 14, 0, tzinfo=UTC))

    @property
    def contact_email(self):
        return f"intel.desk@{self.code.replace('_', '-')}.example.com"


def _since(year, month, day):
    return datetime(year, month, day, 14, 0, tzinfo=UTC)


FFC, CFIX, SEFFC = ("FFC", "FL"), ("CFIX", "FL"), ("SEFFC", "FL")
LA_SAFE = ("LA-SAFE", "LA")
STAC, OCIAC, JRIC, SD_LECC = ("STAC", "CA"), ("OCIAC", "CA"), ("JRIC", "CA"), ("SD-LECC", "CA")
TXFC, HRISC, ARIC, DFC = ("TxFC", "TX"), ("HRISC", "TX"), ("ARIC", "TX"), ("DFC", "TX")
GISAC, NYSIC, ACTIC = ("GISAC", "GA"), ("NYSIC", "NY"), ("ACTIC", "AZ")
STIC, CPIC = ("STIC", "IL"), ("CPIC", "IL")

A = AgencySpec
AGENCIES = [
    # Florida: the state's center (FFC) and the Orlando (CFIX) and Miami (SEFFC) urban areas.
    A("mbi", "Metropolitan Bureau of Investigation", "FL0480400", "local", "FL", (FFC, CFIX),
      "Lt. Renata Quillfeather", "(407) 555-0101", member_since=_since(2012, 3, 1)),
    A("ocso", "Orange County Sheriff's Office", "FL0480000", "local", "FL", (FFC, CFIX),
      "Sgt. Owen Baptiste-Larkin", "(407) 555-0102", member_since=_since(2010, 9, 15)),
    A("opd", "Orlando Police Department", "FL0480100", "local", "FL", (FFC, CFIX),
      "Det. Maribel Tuckerman", "(407) 555-0103", member_since=_since(2011, 1, 10)),
    A("fdle", "Florida Department of Law Enforcement", "FLFDLE000", "state", "FL", (FFC, CFIX),
      "SAS Gideon Prewitt-Nash", "(850) 555-0104", member_since=_since(2008, 5, 20)),
    A("mdso", "Miami-Dade Sheriff's Office", "FL0130000", "local", "FL", (FFC, SEFFC),
      "Lt. Catalina Overbrook", "(305) 555-0105", member_since=_since(2013, 4, 2)),
    A("fbi_tampa", "FBI Tampa Field Office", "FLFBITP00", "federal", "FL", (FFC, CFIX),
      "SSA Thaddeus Krall", "(813) 555-0106", member_since=_since(2014, 2, 11)),
    A("hsi_tampa", "Homeland Security Investigations, Tampa", "FLHSITP00", "federal", "FL",
      (FFC,), "SA Priya Delacroix-Hume", "(813) 555-0107", member_since=_since(2016, 8, 8)),
    # Louisiana: LA-SAFE.
    A("lsp", "Louisiana State Police", "LALSP0000", "state", "LA", (LA_SAFE,),
      "Capt. Beauregard Elsworth", "(225) 555-0111", member_since=_since(2008, 11, 3)),
    A("nopd", "New Orleans Police Department", "LA0360200", "local", "LA", (LA_SAFE,),
      "Sgt. Yvette Marchand-Oduya", "(504) 555-0112", member_since=_since(2010, 6, 21)),
    A("brpd", "Baton Rouge Police Department", "LA0170200", "local", "LA", (LA_SAFE,),
      "Lt. Desmond Fairweather", "(225) 555-0113", member_since=_since(2011, 10, 4)),
    A("spd", "Shreveport Police Department", "LA0090200", "local", "LA", (LA_SAFE,),
      "Cpl. Annalise Rutherford-Ng", "(318) 555-0114", member_since=_since(2012, 7, 30)),
    A("ebrso", "East Baton Rouge Parish Sheriff's Office", "LA0170000", "local", "LA",
      (LA_SAFE,), "Lt. Marcus Thibodeaux-Wren", "(225) 555-0115", member_since=_since(2013, 3, 18)),
    A("fbi_no", "FBI New Orleans Field Office", "LAFBINO00", "federal", "LA", (LA_SAFE,),
      "SSA Lorraine Vasquez-Pell", "(504) 555-0116", member_since=_since(2014, 9, 9)),
    A("chitimacha", "Chitimacha Tribal Police Department", "LACHTPD00", "tribal", "LA",
      (LA_SAFE,), "Chief Elias Darbonne-Kyle", "(337) 555-0117", member_since=_since(2018, 4, 16)),
    # California: STAC, and the urban-area centers of Orange County, Los Angeles, San Diego.
    A("anaheim", "Anaheim Police Department", "CA0300100", "local", "CA", (STAC, OCIAC),
      "Sgt. Felicity Arroyo-Banks", "(714) 555-0121", member_since=_since(2009, 2, 23)),
    A("ocsd", "Orange County Sheriff's Department", "CA0300000", "local", "CA", (STAC, OCIAC),
      "Lt. Harlan Moriyama-Voss", "(714) 555-0122", member_since=_since(2008, 12, 1)),
    A("lapd", "Los Angeles Police Department", "CA0194200", "local", "CA", (STAC, JRIC),
      "Det. Simone Eckhardt-Ruiz", "(213) 555-0123", member_since=_since(2009, 7, 14)),
    A("lasd", "Los Angeles County Sheriff's Department", "CA0190000", "local", "CA",
      (STAC, JRIC), "Lt. Caspian Oduya-Feld", "(323) 555-0124", member_since=_since(2009, 7, 14)),
    A("chp", "California Highway Patrol", "CACHP0000", "state", "CA", (STAC,),
      "Sgt. Imogen Castellaw", "(916) 555-0125", member_since=_since(2010, 5, 5)),
    A("sdpd", "San Diego Police Department", "CA0371100", "local", "CA", (STAC, SD_LECC),
      "Det. Rafferty Olmsted", "(619) 555-0126", member_since=_since(2012, 1, 9)),
    A("hsi_la", "Homeland Security Investigations, Los Angeles", "CAHSILA00", "federal", "CA",
      (STAC, JRIC), "SA Noemi Harcastle", "(562) 555-0127", member_since=_since(2015, 10, 26)),
    A("dea_la", "DEA Los Angeles Field Division", "CADEALA00", "federal", "CA", (STAC, JRIC),
      "SA Cornelius Vantreese", "(213) 555-0128", member_since=_since(2016, 3, 7)),
    # Texas: TxFC, and the Houston, Austin and Dallas urban-area centers.
    A("hpd", "Houston Police Department", "TXHPD0000", "local", "TX", (TXFC, HRISC),
      "Lt. Augustina Pembrook", "(713) 555-0131", member_since=_since(2011, 8, 22)),
    A("hcso", "Harris County Sheriff's Office", "TX1010000", "local", "TX", (TXFC, HRISC),
      "Sgt. Lucius Okonkwo-Hale", "(713) 555-0132", member_since=_since(2011, 8, 22)),
    A("txdps", "Texas Department of Public Safety", "TXDPS0000", "state", "TX", (TXFC,),
      "Capt. Rosalind Achterberg", "(512) 555-0133", member_since=_since(2007, 4, 2)),
    A("austinpd", "Austin Police Department", "TX2270100", "local", "TX", (TXFC, ARIC),
      "Det. Benedikt Salcedo-Frye", "(512) 555-0134", member_since=_since(2012, 11, 12)),
    A("dpd", "Dallas Police Department", "TX0570700", "local", "TX", (TXFC, DFC),
      "Lt. Georgina Whitlock-Aman", "(214) 555-0135", suspended_in=(DFC,),
      member_since=_since(2013, 6, 17)),
    A("dea_houston", "DEA Houston Division", "TXDEAHO00", "federal", "TX", (TXFC, HRISC),
      "SA Ignatius Brevard", "(713) 555-0136", member_since=_since(2017, 2, 6)),
    # Georgia: GISAC.
    A("gbi", "Georgia Bureau of Investigation", "GAGBI0000", "state", "GA", (GISAC,),
      "SAC Philippa Ravenscroft", "(404) 555-0141", member_since=_since(2008, 1, 14)),
    A("atlpd", "Atlanta Police Department", "GA0600100", "local", "GA", (GISAC,),
      "Sgt. Cyrus Mbeki-Holloway", "(404) 555-0142", member_since=_since(2010, 3, 29)),
    A("cobbso", "Cobb County Sheriff's Office", "GA0330000", "local", "GA", (GISAC,),
      "Lt. Winifred Stroud-Agassi", "(770) 555-0143", suspended_in=(GISAC,),
      member_since=_since(2014, 10, 20)),
    # New York: NYSIC.
    A("nysp", "New York State Police", "NYNSP0000", "state", "NY", (NYSIC,),
      "Inv. Bartholomew Ketterling", "(518) 555-0151", member_since=_since(2007, 9, 10)),
    A("nypd", "New York City Police Department", "NY0303000", "local", "NY", (NYSIC,),
      "Det. Esperanza Wolcott-Iyer", "(212) 555-0152", member_since=_since(2008, 2, 4)),
    A("fbi_ny", "FBI New York Field Office", "NYFBINY00", "federal", "NY", (NYSIC,),
      "SSA Montgomery Abernethy-Sato", "(212) 555-0153", member_since=_since(2009, 6, 1)),
    A("scpd", "Suffolk County Police Department", "NY0510100", "local", "NY", (NYSIC,),
      "Det. Sgt. Rowena Vandermolen", "(631) 555-0154", member_since=_since(2015, 5, 11)),
    # Illinois: STIC, and Chicago's CPIC.
    A("isp", "Illinois State Police", "ILISP0000", "state", "IL", (STIC,),
      "Lt. Anselm Grunewald-Pike", "(217) 555-0161", member_since=_since(2007, 11, 19)),
    A("cpd", "Chicago Police Department", "IL0160600", "local", "IL", (STIC, CPIC),
      "Sgt. Delphine Okafor-Strand", "(312) 555-0162", member_since=_since(2008, 8, 25)),
    A("ccso", "Cook County Sheriff's Office", "IL0160000", "local", "IL", (STIC, CPIC),
      "Lt. Evander Pruszynski", "(312) 555-0163", member_since=_since(2010, 12, 6)),
    # Arizona: ACTIC.
    A("azdps", "Arizona Department of Public Safety", "AZDPS0000", "state", "AZ", (ACTIC,),
      "Capt. Soledad Hargreave", "(602) 555-0171", member_since=_since(2007, 3, 12)),
    A("phxpd", "Phoenix Police Department", "AZ0072300", "local", "AZ", (ACTIC,),
      "Sgt. Leopold Yazzie-Carrow", "(602) 555-0172", member_since=_since(2008, 10, 27)),
    A("mcso", "Maricopa County Sheriff's Office", "AZ0070000", "local", "AZ", (ACTIC,),
      "Lt. Genevieve Starkweather", "(602) 555-0173", member_since=_since(2009, 4, 6)),
    A("tonpd", "Tohono O'odham Nation Police Department", "AZTONPD00", "tribal", "AZ",
      (ACTIC,), "Lt. Ambrose Encinas-Lowe", "(520) 555-0174", member_since=_since(2017, 9, 18)),
    # Foreign partners, members of no center: centers publish products to them, torn.
    A("europol", "EUROPOL", "DCEUROPOL", "federal", "DC", (), "Liaison officer Ines Vandermeer",
      "(202) 555-0181", foreign_partner=True),
    A("interpol", "INTERPOL", "DCINTRPOL", "federal", "DC", (), "Liaison officer Kwame Osei-Brandt",
      "(202) 555-0182", foreign_partner=True),
]
del A


@dataclass(frozen=True)
class UserSpec:
    username: str
    agency: str | None  # agency code; None only for the superuser
    role: str = "analyst"
    first_name: str = ""
    last_name: str = ""
    center_admin_of: tuple = ()  # (short name, state) of centers this person administers
    superuser: bool = False
    intelligence_reviewer: bool = False  # 28 CFR Part 23: decides on pending information


# The people of the trafficking story (the same usernames as the test actors in tests/conftest.py).
STORY_USERS = [
    UserSpec("analyst_fl", "mbi", first_name="Corinne", last_name="Ashdown-Pratt"),
    UserSpec("reviewer_fl", "mbi", first_name="Delphine", last_name="Okafor-Reyes",
             intelligence_reviewer=True),
    UserSpec("analyst_fl2", "ocso", first_name="Tobias", last_name="Merriweather"),
    UserSpec("analyst_la", "nopd", first_name="Josette", last_name="Broussard-Kaye"),
    UserSpec("analyst_la2", "lsp", first_name="Remy", last_name="Castellane"),
    UserSpec("analyst_ca", "anaheim", first_name="Marisol", last_name="Fenwick-Oyama"),
    UserSpec("analyst_tx", "hpd", first_name="Dashiell", last_name="Okoro-Lindqvist"),
    UserSpec("admin_cfix", "ocso", "agency_admin", "Harriet", "Vellacott", (CFIX,)),
    UserSpec("admin_lasafe", "lsp", "agency_admin", "Lucien", "Aucoin-Drake", (LA_SAFE,)),
    UserSpec("admin_ociac", "ocsd", "agency_admin", "Perpetua", "Nakamura-Reyes", (OCIAC,)),
    UserSpec("admin_ffc", "fdle", "agency_admin", "Ambrose", "Kittredge", (FFC,)),
    UserSpec("admin_txfc", "txdps", "agency_admin", "Consuela", "Brightwater", (TXFC,)),
    UserSpec("admin", None, first_name="Platform", last_name="Operator", superuser=True),
]

_FIRST = ["Adair", "Beatrix", "Calloway", "Delphine", "Emmerich", "Florian", "Gwendolyn",
          "Hollis", "Isolde", "Jericho", "Kestrel", "Leocadia", "Mordecai", "Nerissa", "Orrin",
          "Perpetua", "Quentin", "Rosamund", "Sebastiano", "Tamsin", "Ulric", "Verity",
          "Wendeline", "Xavierre", "Yardley", "Zenobia"]
_LAST = ["Abernathy-Cole", "Brackenridge", "Cottingham", "Dunleavy-Ortiz", "Ellsworth-Vane",
         "Farquharson", "Goodfellow-Ito", "Hesketh", "Inchbald", "Jessamine", "Kilbride-Moss",
         "Lanchester", "Mountjoy", "Northcote-Ayala", "Oakhurst", "Pennywhistle", "Quarrington",
         "Ravensworth", "Stallworth-Kim", "Thistlewood", "Underhill-Baptiste", "Vandersloot",
         "Winterbourne", "Yarborough", "Zellweger-Moon"]


def _generic_users():
    """Every agency has an agency admin and an analyst: admin_<code>, analyst_<code>."""
    users = []
    for index, agency in enumerate(AGENCIES):
        roles = [("admin", "agency_admin"), ("analyst", "analyst")]
        for offset, (prefix, role) in enumerate(roles):
            n = 2 * index + offset
            users.append(UserSpec(
                f"{prefix}_{agency.code}", agency.code, role,
                _FIRST[n % len(_FIRST)], _LAST[(n * 7) % len(_LAST)],
            ))
    return users


USERS = STORY_USERS + _generic_users()

# The short table printed at the end of the command: the logins a demo of the story needs.
DEMO_LOGINS = [
    ("admin", "superuser: runs the platform, sees no cases"),
    ("analyst_fl", "analyst; owns the trafficking case MBI-HT-0042"),
    ("admin_mbi", "agency admin of MBI"),
    ("admin_cfix", "center admin of CFIX (lead center of the case)"),
    ("analyst_la", "analyst; sees the case through LA-SAFE"),
    ("admin_lasafe", "center admin of LA-SAFE"),
    ("analyst_ca", "analyst; sees the case through OCIAC"),
    ("analyst_tx", "analyst; an outsider to the case: sees none of it"),
]
