"""Text detectors: each flag's phrase families, in other people's words, and what must not fire.

The sentences are written the way different proposers write: British and American spelling,
typographic apostrophes, hyphenation, first person and reported speech. Negatives are negated
statements and ordinary business language that merely shares words with a risk signal.
"""

import pytest

from advisor import DEFAULT, Flag, detect_in_text


def flags_in(text: str, field: str = "problem") -> set[str]:
    return {signal.flag.value for signal in detect_in_text(text, field, DEFAULT)}


# --- positives: (text, flag that must fire) ---------------------------------------------------

FOMO = [
    ("Every carrier seems to be rolling one out this year.", "fomo"),
    ("Our CEO came back from a summit convinced we need an AI assistant.", "fomo"),
    ("Our main rivals rolled out a recommendation engine last spring.", "fomo"),
    ("Three of the big insurers already offer instant claims triage.", "fomo"),
    ("Our competitor’s new app already uses machine learning to price quotes.", "fomo"),
    ("Two of our closest competitors announced GenAI underwriting last month.", "fomo"),
    ("Our rival’s chatbot went viral and the CEO wants one too.", "fomo"),
    ("Our peers are investing heavily in AI and we're lagging.", "fomo"),
    ("The competition is miles ahead of us on AI.", "fomo"),
    ("Like every other retailer, we should have AI-powered search.", "fomo"),
    ("We must keep pace with the fintechs that are eating our lunch.", "fomo"),
    ("We don’t want to be the only retailer without personalisation.", "fomo"),
    ("We can’t afford to be late on this.", "fomo"),
    ("We cannot risk falling further behind our peers.", "fomo"),
    ("We risk being left behind if we wait another year.", "fomo"),
    ("Not wanting to miss the AI wave, the CEO asked for a pilot.", "fomo"),
    ("We’re late to the game on AI compared with the neobanks.", "fomo"),
    ("If we don’t act now, we’ll be playing catch-up for years.", "fomo"),
    ("If we wait, the window will close.", "fomo"),
    ("It’s now or never for AI in claims.", "fomo"),
    ("This is the AI arms race and we need to be in it.", "fomo"),
    ("We are losing ground to digital-first challengers.", "fomo"),
    ("Everybody in the sector is talking about generative AI.", "fomo"),
    ("Every bank in Europe is now using AI for onboarding.", "fomo"),
    ("Honestly, everyone is jumping on agentic AI and we shouldn’t sit this out.", "fomo"),
    ("There is a lot of hype around AI agents.", "fomo"),
    ("LinkedIn is full of GenAI success stories from our sector.", "fomo"),
    ("Gartner says 80% of firms will adopt AI by 2027.", "fomo"),
    ("The board wants an AI story for the annual report.", "fomo"),
    ("The C-suite wants to see AI in the next investor deck.", "fomo"),
    ("HQ is pushing every country to have an AI initiative.", "fomo"),
    ("Management expects us to have something with AI to show at the investor day.", "fomo"),
    ("This has to be in production by the end of Q3.", "fomo"),
    ("We have to get this out the door before Christmas.", "fomo"),
]

VENDOR_PUSH = [
    ("Their module promises higher conversion with zero setup.", "vendor_push"),
    ("The idea came from our cloud provider's account team.", "vendor_push"),
    ("Their account exec told us the platform pays for itself in a quarter.", "vendor_push"),
    ("Their sales engineer says it needs no data scientists at all.", "vendor_push"),
    ("We were approached by a start-up that promises 95% accuracy.", "vendor_push"),
    ("The vendor’s pitch deck claims a 10x productivity gain.", "vendor_push"),
    ("The vendor says their model is 99% accurate.", "vendor_push"),
    ("Our consultancy suggested Vertex AI.", "vendor_push"),
    ("A consulting firm pitched an AI accelerator to our CFO.", "vendor_push"),
    ("The integrator presented a reference case from a bank.", "vendor_push"),
    ("It was proposed by our ERP supplier as an add-on.", "vendor_push"),
    ("The supplier demoed an AI module at the trade fair.", "vendor_push"),
    ("With their platform, no data scientists are required.", "vendor_push"),
    ("After the supplier's webinar we want their scoring module.", "vendor_push"),
    ("Implementation partner recommends their accelerator package.", "vendor_push"),
    ("A reseller offered us free licences for the first year.", "vendor_push"),
    ("We were offered a free proof of concept by a start-up.", "vendor_push"),
    ("We got a great demo from the Databricks folks last week.", "vendor_push"),
    ("Following a webinar by DataRobot, we want to trial their AutoML.", "vendor_push"),
    ("We got sold on this at a Snowflake event.", "vendor_push"),
    ("Salesforce showed us Einstein at their summit and we’d like to roll it out.", "vendor_push"),
    ("Microsoft’s team offered to co-fund the rollout.", "vendor_push"),
    ("Move all our analytics to Databricks.", "vendor_push"),
    ("We’d license H2O.ai and let it find the patterns.", "vendor_push"),
    ("It works out-of-the-box with no coding required.", "vendor_push"),
    ("The tool is plug-and-play: connect your data and go.", "vendor_push"),
    ("Turn-key solution, live in two weeks according to the sales team.", "vendor_push"),
    ("According to the vendor, no data preparation is required.", "vendor_push"),
    ("No ML engineers required, according to the brochure.", "vendor_push"),
    ("The platform promises to cut handling time tenfold.", "vendor_push"),
    ("The provider guarantees a 30% uplift in conversion.", "vendor_push"),
    ("They promised ROI within six months.", "vendor_push"),
    ("The salesperson guaranteed payback in six months.", "vendor_push"),
    ("We already signed the licence for the tool, so let’s put it to use.", "vendor_push"),
]

TECHNO_PUSH = [
    ("We want to use generative AI somewhere in customer service.", "techno_push"),
    ("We’d like to use GPT-4 in some way for HR.", "techno_push"),
    ("Apply AI across the business to drive efficiencies.", "techno_push"),
    ("The idea is to apply computer vision wherever possible.", "techno_push"),
    ("Our mandate is to bring AI into every department.", "techno_push"),
    ("Let’s play around with ChatGPT and see what comes out.", "techno_push"),
    ("Let’s explore what LLMs could do for the claims team.", "techno_push"),
    ("Explore the potential of generative AI for our business.", "techno_push"),
    ("We should be doing more with deep learning.", "techno_push"),
    ("We would like to get into agentic AI.", "techno_push"),
    ("Introduce machine learning for the sake of innovation.", "techno_push"),
    ("Leadership asked us to find use cases for our new Copilot licences.", "techno_push"),
    ("Find processes where we can deploy AI agents.", "techno_push"),
    ("We're looking for problems that a knowledge graph could solve.", "techno_push"),
    ("It would be great to have a chatbot; we'll figure out the use case later.", "techno_push"),
    ("The business case will be defined once the platform is up.", "techno_push"),
    ("We need a GenAI use case, any use case.", "techno_push"),
    (
        "We have an innovation budget for machine learning that has to be spent this year.",
        "techno_push",
    ),
    ("We have a blockchain budget we need to use before year end.", "techno_push"),
    ("The goal is to become an AI-first organisation.", "techno_push"),
    ("We want to be an AI-driven company by 2026.", "techno_push"),
    ("This would show the board we have real AI capabilities.", "techno_push"),
    ("A flagship AI project to put us on the map.", "techno_push"),
    (
        "The aim is to experiment with the latest foundation models and see what sticks.",
        "techno_push",
    ),
    ("Set up an enterprise-wide GenAI platform for all teams.", "techno_push"),
    ("Build our own data lake first and figure out the applications afterwards.", "techno_push"),
]

OVERHEAD = [
    ("Our BI analyst will maintain it in her spare time.", "overhead_underestimated"),
    ("Alongside their day jobs the analysts will run the platform.", "overhead_underestimated"),
    ("The analysts can do this next to their normal work.", "overhead_underestimated"),
    ("A working student could look after the pipeline.", "overhead_underestimated"),
    ("The team will learn the tooling on the job.", "overhead_underestimated"),
    ("The model will basically run itself once deployed.", "overhead_underestimated"),
    ("Once it's live it basically maintains itself.", "overhead_underestimated"),
    ("Set-and-forget: once trained, it takes care of itself.", "overhead_underestimated"),
    ("Maintenance will be minimal.", "overhead_underestimated"),
    ("Upkeep should be close to zero.", "overhead_underestimated"),
    ("Running costs are negligible.", "overhead_underestimated"),
    ("No need to hire anyone; the existing IT team can absorb it.", "overhead_underestimated"),
    ("No extra headcount is needed.", "overhead_underestimated"),
    ("Marketing will own the models without extra staff.", "overhead_underestimated"),
    (
        "It’s a one-off effort of two weeks, after that there’s nothing to do.",
        "overhead_underestimated",
    ),
    ("We will host it on our own GPU cluster.", "overhead_underestimated"),
]

PILOT_PURGATORY = [
    (
        "The student who set up the dashboard has left and it still runs untouched.",
        "pilot_purgatory",
    ),
    ("The prototype went live in March, but no one has looked at it since.", "pilot_purgatory"),
    ("The old churn model was shelved when its author left the company.", "pilot_purgatory"),
    ("It has been stuck in PoC stage for 18 months.", "pilot_purgatory"),
    ("The data scientist who built it has since moved on.", "pilot_purgatory"),
    (
        "The agency that built the recommender has gone and the code sits untouched.",
        "pilot_purgatory",
    ),
    ("After the pilot, nobody took ownership.", "pilot_purgatory"),
    ("Nobody is responsible for the model since the reorganisation.", "pilot_purgatory"),
    (
        "The dashboard ran for a month, then it stopped updating and nobody noticed.",
        "pilot_purgatory",
    ),
    ("The model has not been retrained since launch two years ago.", "pilot_purgatory"),
    ("The model hasn’t been monitored since go-live.", "pilot_purgatory"),
    ("Our last three pilots were never productionised.", "pilot_purgatory"),
    ("The proof of concept was a success but never made it into production.", "pilot_purgatory"),
    ("It was handed over to IT without documentation and quietly died.", "pilot_purgatory"),
    ("There is no operating budget after go-live.", "pilot_purgatory"),
]

# The operating-plan field has its own family: a plan that names nobody.
VAGUE_OPERATING_PLANS = [
    "Nobody yet.",
    "Someone from IT, probably.",
    "To be decided after the pilot.",
    "We'll figure it out once it works.",
    "TBD",
    "Not yet clear who would own it.",
    "Whoever has capacity at the time.",
    "Open question, to be discussed with IT.",
]

SECURITY_FIRST = [
    ("The plants still share admin passwords across sites.", "security_first"),
    (
        "Last quarter’s pen test found several high-severity issues that remain open.",
        "security_first",
    ),
    ("We still have open findings from the ISO 27001 audit.", "security_first"),
    ("Cyber-security gaps flagged by the auditors haven’t been closed.", "security_first"),
    ("There are known vulnerabilities in the legacy API gateway.", "security_first"),
    ("Customer data sits in an unencrypted S3 bucket.", "security_first"),
    ("Passwords are stored in plain text on the file server.", "security_first"),
    ("Everyone shares one admin account on the production database.", "security_first"),
    ("MFA is not enabled for admin accounts.", "security_first"),
    ("The DPIA is still pending.", "security_first"),
    ("We failed the last SOC 2 audit.", "security_first"),
    ("We suffered a ransomware attack in spring and recovery is still ongoing.", "security_first"),
    ("There was a data breach in the CRM last year.", "security_first"),
    (
        "Our security team says the data lake is not yet compliant with the AI Act.",
        "security_first",
    ),
    (
        "An external audit criticised the shop's admin console as reachable from the internet;"
        " it is still waiting for a fix.",
        "security_first",
    ),
    ("The pen test problems with the payroll export are still unresolved.", "security_first"),
    ("The booking API exposes patient details to any logged-in user.", "security_first"),
    ("Vulnerabilities in the old VPN must be fixed first.", "security_first"),
]

POSITIVES = FOMO + VENDOR_PUSH + TECHNO_PUSH + OVERHEAD + PILOT_PURGATORY + SECURITY_FIRST


@pytest.mark.parametrize(("text", "flag"), POSITIVES)
def test_flag_fires_and_quotes_the_words(text: str, flag: str) -> None:
    signals = [s for s in detect_in_text(text, "problem", DEFAULT) if s.flag.value == flag]
    assert signals, f"{flag} missed: {text!r}"
    for signal in signals:
        assert signal.evidence
        assert signal.evidence in text
        assert signal.field == "problem"


@pytest.mark.parametrize("text", VAGUE_OPERATING_PLANS)
def test_vague_operating_plan_fires_in_that_field_only(text: str) -> None:
    rules = {s.rule for s in detect_in_text(text, "operating_plan", DEFAULT)}
    assert "pilot_purgatory.vague_operating_plan" in rules
    rules_elsewhere = {s.rule for s in detect_in_text(text, "notes", DEFAULT)}
    assert "pilot_purgatory.vague_operating_plan" not in rules_elsewhere


# --- negatives: (text, flag that must NOT fire) -----------------------------------------------

NEGATED = [
    # Said, then denied.
    ("This is not because competitors do it.", "fomo"),
    ("Competitors were not the reason for this project.", "fomo"),
    ("This is not a reaction to the competition or to hype.", "fomo"),
    ("The hype cycle is not why we are doing this; the call centre is overloaded.", "fomo"),
    # Hype named to keep away from it.
    ("Everyone here is tired of the buzz, so this is a plain forecasting job.", "fomo"),
    ("Despite all the hype, the ask is simple: fewer late invoices.", "fomo"),
    ("Nobody asked us to copy the competition; the pain is in our own backlog.", "fomo"),
    ("Our competitors have not launched anything similar.", "fomo"),
    ("We are not chasing a trend; scrap costs us 1.2M a year.", "fomo"),
    ("This did not come from a vendor; the finance team asked for it.", "vendor_push"),
    ("No vendor was involved; we built the prototype ourselves.", "vendor_push"),
    ("The vendor did not pitch this; we asked them.", "vendor_push"),
    ("The vendor had no part in this proposal.", "vendor_push"),
    ("Independent of any vendor, the team wants to reduce scrap.", "vendor_push"),
    ("This is our own idea, not something a vendor sold us.", "vendor_push"),
    ("Consultants are not involved; our own analysts lead it.", "vendor_push"),
    ("No sales pitch was involved.", "vendor_push"),
    ("We did not buy anything; this is built in-house.", "vendor_push"),
    ("We do not want AI for the sake of it; planners need better forecasts.", "techno_push"),
    ("This is not a technology-first project.", "techno_push"),
    ("This pilot has not been abandoned: the planning team runs it weekly.", "pilot_purgatory"),
    ("Critical pen test findings were fixed in March.", "security_first"),
    ("All findings from the last audit have been remediated.", "security_first"),
    ("Security gaps identified in 2023 have all been closed.", "security_first"),
    ("The security review found no issues.", "security_first"),
    ("We have no open security gaps.", "security_first"),
    ("There are no known vulnerabilities.", "security_first"),
]

ORDINARY_BUSINESS = [
    ("Every customer is using the app at least weekly.", "fomo"),
    ("We share our password policy with the auditors every year.", "security_first"),
    # fomo words in plain business sentences
    ("We lose customers to competitors because our quotes are slow.", "fomo"),
    ("Customers compare our delivery times with the competition before ordering.", "fomo"),
    ("Our price is higher than competitors' for the same coverage, and churn follows.", "fomo"),
    ("Competitor prices change daily and our analysts track them by hand.", "fomo"),
    ("Our competitor pricing data is scraped weekly.", "fomo"),
    ("Unlike the competition, we sell mostly through brokers.", "fomo"),
    ("Many retailers struggle with returns fraud and so do we.", "fomo"),
    ("Our market share fell from 18% to 15% in two years.", "fomo"),
    ("Sales trend is flat in the north region.", "fomo"),
    ("The model helps planners stay ahead of demand peaks.", "fomo"),
    ("We want to stay ahead of equipment failures on line 2.", "fomo"),
    ("The warehouse struggles to keep up with order volumes in December.", "fomo"),
    ("We need to catch up on the backlog of 4,000 unmatched invoices.", "fomo"),
    ("We are behind schedule on the ERP migration.", "fomo"),
    ("Orders fall behind on Fridays when two pickers are off.", "fomo"),
    ("Everyone in the call centre is frustrated with the current tool.", "fomo"),
    ("Everyone on the claims team spends an hour a day on data entry.", "fomo"),
    ("Missed deliveries cost us 400k last year.", "fomo"),
    ("We need the forecast by Monday so planners can staff the shifts.", "fomo"),
    ("The forecast must be ready by Monday morning so that planners can staff shifts.", "fomo"),
    ("The first model will score leads for the inside sales team.", "fomo"),
    # vendor words in plain business sentences
    ("We process 10,000 supplier invoices a month by hand.", "vendor_push"),
    ("Vendor invoices arrive as scanned PDFs.", "vendor_push"),
    ("The supplier master data is messy.", "vendor_push"),
    ("The vendor master file has 12% duplicates.", "vendor_push"),
    ("Supplier lead times vary from 2 to 40 days.", "vendor_push"),
    ("Supplier delivery performance varies by region.", "vendor_push"),
    ("Our suppliers send order confirmations as PDFs.", "vendor_push"),
    ("Suppliers offer discounts for early payment that we often miss.", "vendor_push"),
    ("Logistics providers offer next-day delivery in most regions.", "vendor_push"),
    ("Our provider network covers 2,000 clinics.", "vendor_push"),
    ("Partners submit claims through the portal.", "vendor_push"),
    ("Our partners show us their stock levels once a week.", "vendor_push"),
    ("Payments to vendors are approved manually.", "vendor_push"),
    ("Our sales reps say customers wait three days for a quote.", "vendor_push"),
    ("The sales team says customers ask for faster quotes.", "vendor_push"),
    ("The sales team closes 30% of qualified leads.", "vendor_push"),
    ("Account managers told us renewals slip when usage drops.", "vendor_push"),
    ("Customer service reps told us callers repeat their details three times.", "vendor_push"),
    ("Agents pick offers from a list of 40 without guidance.", "vendor_push"),
    ("We have no data scientists, so we will hire a contractor.", "vendor_push"),
    ("Claims take 10 times longer when documents are missing.", "vendor_push"),
    ("Customer churn is 10 times higher in the first month.", "vendor_push"),
    ("Our domino effect of delays starts at the warehouse.", "vendor_push"),
    # techno words in plain business sentences
    ("Agents pick offers from a list without guidance.", "techno_push"),
    ("Reduce scrap on line 3 by 20%; a simple regression model may be enough.", "techno_push"),
    (
        "We want to use machine learning to cut the 30% manual rework in invoice matching.",
        "techno_push",
    ),
    ("We want to use ML to prioritize the 3,000 daily fraud alerts.", "techno_push"),
    ("Can a model predict which machines fail within a week?", "techno_push"),
    ("Can machine learning reduce false fraud alerts by a third?", "techno_push"),
    ("The latest pricing models from last quarter drifted badly.", "techno_push"),
    ("The budget for the ML pipeline is 40k per year.", "techno_push"),
    ("The budget for the forecasting work is 80k including people.", "techno_push"),
    ("Our data science team of two supports marketing.", "techno_push"),
    ("Our planners use advanced Excel models today.", "techno_push"),
    ("We identified the problem first: late deliveries cost us 2M a year.", "techno_push"),
    ("Use cases were chosen by the operations team based on cost.", "techno_push"),
    # overhead words in plain business sentences
    (
        "We have no data scientists, so we will hire a contractor for six months.",
        "overhead_underestimated",
    ),
    ("Maintenance is budgeted at 0.5 FTE per year.", "overhead_underestimated"),
    ("Running costs are estimated at 60k a year, including on-call.", "overhead_underestimated"),
    ("The team has no spare capacity, so we budget one new hire.", "overhead_underestimated"),
    ("Customers browse the app in their free time.", "overhead_underestimated"),
    (
        "Interns from the university will label 2,000 images under supervision.",
        "overhead_underestimated",
    ),
    ("Self-service checkout reduced queues by a third.", "overhead_underestimated"),
    ("Planners spend two days a week on manual forecasts.", "overhead_underestimated"),
    # pilot words in plain business sentences
    ("Customers abandon their baskets when delivery slots are full.", "pilot_purgatory"),
    ("Cart abandonment is 70% on mobile.", "pilot_purgatory"),
    ("Nobody knows how many parts are in stock at any moment.", "pilot_purgatory"),
    (
        "No one is responsible for checking supplier invoices today, so errors slip through.",
        "pilot_purgatory",
    ),
    ("The ERP is no longer supported by its vendor, so we are migrating.", "pilot_purgatory"),
    ("Prices have not been updated since 2019, so margins leak.", "pilot_purgatory"),
    ("Unsupported file formats cause 20% of manual rework.", "pilot_purgatory"),
    ("Dormant accounts are never used again after six months.", "pilot_purgatory"),
    ("The pilot went live in May and the logistics team runs it every morning.", "pilot_purgatory"),
    # security words in plain business sentences
    ("The model flags compliance risks in supplier contracts.", "security_first"),
    (
        "The SOC triages 2,000 security incidents a day; analysts want help prioritising.",
        "security_first",
    ),
    ("The last pen test came back clean.", "security_first"),
    ("The gaps the auditors flagged in our HR share were closed last autumn.", "security_first"),
    ("Vulnerabilities in the old VPN: both patched by the infra team.", "security_first"),
    ("The vulnerabilities reported by the scanner in the spring were all fixed.", "security_first"),
    ("The AI Act requires us to document the model.", "security_first"),
]


@pytest.mark.parametrize(("text", "flag"), NEGATED + ORDINARY_BUSINESS)
def test_flag_does_not_fire(text: str, flag: str) -> None:
    signals = [s for s in detect_in_text(text, "problem", DEFAULT) if s.flag.value == flag]
    assert not signals, f"{flag} fired on {text!r}: {[(s.rule, s.evidence) for s in signals]}"


@pytest.mark.parametrize(
    "text",
    [
        "Accounts payable clerks key in supplier invoices; a third need manual corrections.",
        "Technicians use a rules engine to route tickets; 18% are routed wrongly.",
        "Call volumes peak on Monday mornings and queues exceed 20 minutes.",
        "Returns cost us 3M a year; half are size-related.",
        "Right now planners copy numbers from the ERP into a spreadsheet.",
    ],
)
def test_plain_problem_statements_fire_nothing(text: str) -> None:
    assert flags_in(text) == set()


# --- rule ids -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("Our main rivals rolled out a recommendation engine.", "fomo.competitor_pressure"),
        ("We cannot afford to fall behind.", "fomo.falling_behind"),
        ("Everybody in the sector is talking about generative AI.", "fomo.hype_pressure"),
        ("We need it live this quarter.", "fomo.urgency"),
        ("The supplier demoed an AI module at the trade fair.", "vendor_push.vendor_origin"),
        ("It works out of the box.", "vendor_push.vendor_claims"),
        ("We want to roll out Dataiku.", "vendor_push.product_first"),
        ("Let’s try ChatGPT somewhere in HR.", "techno_push.vague_application"),
        ("Find use cases for the new licences.", "techno_push.solution_seeking_problem"),
        ("We have budget for AI this year.", "techno_push.budget_first"),
        ("Our analyst will run it in his spare time.", "overhead_underestimated.side_job"),
        ("Running costs will be negligible.", "overhead_underestimated.no_effort"),
        ("The pilot was quietly shelved.", "pilot_purgatory.abandoned"),
        ("The pen test found open vulnerabilities.", "security_first.open_security_gaps"),
    ],
)
def test_rule_is_flag_dot_family(text: str, rule: str) -> None:
    rules = {s.rule for s in detect_in_text(text, "problem", DEFAULT)}
    assert rule in rules
    flag, family = rule.split(".")
    assert Flag(flag).value == flag
    assert family in {f.id for f in DEFAULT.detectors[Flag(flag)]}


def test_product_in_title_fires_only_in_the_title() -> None:
    assert "vendor_push.product_in_title" in {
        s.rule for s in detect_in_text("Dataiku for demand planning", "title", DEFAULT)
    }
    assert "vendor_push.product_in_title" not in {
        s.rule for s in detect_in_text("Dataiku for demand planning", "notes", DEFAULT)
    }


def test_negated_statement_and_positive_one_in_the_same_text() -> None:
    text = (
        "This did not come from a vendor. But the board wants AI before our rivals launch theirs."
    )
    assert flags_in(text) == {"fomo"}


def test_flags_argument_limits_detection() -> None:
    text = "The vendor demo was great and everyone is doing AI."
    only_fomo = detect_in_text(text, "problem", DEFAULT, flags=[Flag.FOMO])
    assert {s.flag for s in only_fomo} == {Flag.FOMO}


# --- context: what the words are about, not only which words ------------------------------------


def flag_fired(text: str, flag: str) -> bool:
    return any(s.flag.value == flag for s in detect_in_text(text, "problem", DEFAULT))


# A mention disowned in the same or the next clause ("..., but that is not what drives this").
DISMISSED = [
    ("our biggest rival rolled out something similar, but that is not what drives this", "fomo"),
    (
        "Two of our competitors launched chatbots last year; that's not why we're proposing this.",
        "fomo",
    ),
    (
        "The big insurers already offer instant quotes, but this isn't the point: our backlog is.",
        "fomo",
    ),
    ("Everybody is talking about generative AI, which is irrelevant here.", "fomo"),
    ("Yes, the vendor showed us a demo, but that's not what this is about.", "vendor_push"),
    (
        "Sure, a few competitors have launched similar tools, but that isn't what's driving this.",
        "fomo",
    ),
    # A sentence that opens with the dismissal disowns the one before.
    ("Other banks have chatbots. That is not why we want one.", "fomo"),
    (
        "The supplier demoed an AI module at the trade fair, but that played no part in this.",
        "vendor_push",
    ),
]
# The same mentions, then a clause that confirms rather than disowns them.
NOT_DISMISSED = [
    ("the rival launched one and that is why we must move", "fomo"),
    ("Competitors launched one last year, and that is exactly why we have to move now.", "fomo"),
    ("Our rivals rolled out a pricing engine, which is why the board is nervous.", "fomo"),
    ("Other banks have chatbots. That is why we want one.", "fomo"),
]


@pytest.mark.parametrize(("text", "flag"), DISMISSED)
def test_a_mention_disowned_in_the_next_clause_is_negated(text: str, flag: str) -> None:
    assert not flag_fired(text, flag)


@pytest.mark.parametrize(("text", "flag"), NOT_DISMISSED)
def test_a_mention_confirmed_in_the_next_clause_still_flags(text: str, flag: str) -> None:
    assert flag_fired(text, flag)


# A list opener ("isn't about", "not driven by", "nothing to do with") negates every item.
NEGATED_LISTS = [
    "this isn't about a supplier's demo, the AI buzz or what other hospitals do",
    "We are not driven by a vendor pitch, the hype or what competitors do.",
    "It has nothing to do with a consultant's slides, the buzz around AI, nor what other banks"
    " launched.",
    "This proposal is not a reaction to the Databricks demo, the GenAI hype and our peers' apps.",
    "We are not doing this because of a vendor's pitch, the hype or what our competitors did.",
]


@pytest.mark.parametrize("text", NEGATED_LISTS)
def test_a_negated_list_reaches_every_item(text: str) -> None:
    assert {"fomo", "vendor_push", "techno_push"}.isdisjoint(flags_in(text))


@pytest.mark.parametrize(
    ("text", "flag"),
    [
        # The items alone do flag: the negation, not a missing pattern, silences them above.
        ("The AI buzz and what other hospitals do push us.", "fomo"),
        ("It comes from the buzz around AI.", "fomo"),
        ("We saw the Databricks demo.", "vendor_push"),
        # A negation whose list ended: a new clause is not an item.
        ("We have no owner, and the board wants AI.", "fomo"),
        ("This is not about cost: competitors launched one and we must follow.", "fomo"),
    ],
)
def test_items_outside_a_negated_list_still_flag(text: str, flag: str) -> None:
    assert flag_fired(text, flag)


# An earlier story told as a lesson is context, not the proposal's signal.
RETROSPECTIVE = [
    ("years ago an integrator talked us into a data lake nobody used", "vendor_push"),
    ("Back in 2019 a consultancy pitched us a recommender that was shelved.", "vendor_push"),
    (
        "Last time, the vendor's demo convinced the CIO; this time finance asked for it.",
        "vendor_push",
    ),
    (
        "our last chatbot died after launch because no team owned it, so this time the service"
        " desk owns it",
        "pilot_purgatory",
    ),
    (
        "Our previous forecasting model was abandoned after its author left, so this time IT"
        " owns it.",
        "pilot_purgatory",
    ),
    (
        "We learned the hard way: the pilot quietly died when the contractor left.",
        "pilot_purgatory",
    ),
    # A dated story, or one contrasted with today.
    (
        "A route-planning prototype in 2020 was shelved when the freelancer moved on.",
        "pilot_purgatory",
    ),
    (
        "Our 2018 pricing model was orphaned, which is why this one has a named owner.",
        "pilot_purgatory",
    ),
]
# Still true today, or not anchored in the past: the proposal's signal.
CURRENT = [
    ("An integrator talked us into a data lake.", "vendor_push"),
    ("The chatbot died after launch because no team owned it.", "pilot_purgatory"),
    ("The pilot has been stuck in PoC stage for 14 months.", "pilot_purgatory"),
    ("Our previous pilot is still stuck in PoC stage after 14 months.", "pilot_purgatory"),
    ("Years ago we launched a churn model and nobody has looked at it since.", "pilot_purgatory"),
    ("The 2024 pricing model is abandoned now.", "pilot_purgatory"),
    # "This time" marks today's story, not an earlier one.
    ("The old tool did its job, but this time a vendor pitched us a platform.", "vendor_push"),
    # A dated fact is no story told as a lesson.
    ("The 2025 pen test found critical vulnerabilities in the API.", "security_first"),
    ("Our 2024 DPIA flagged unencrypted backups.", "security_first"),
    ("A competitor launched a chatbot in 2025.", "fomo"),
]


@pytest.mark.parametrize(("text", "flag"), RETROSPECTIVE)
def test_an_earlier_story_is_context(text: str, flag: str) -> None:
    assert not flag_fired(text, flag)


@pytest.mark.parametrize(("text", "flag"), CURRENT)
def test_what_still_holds_flags(text: str, flag: str) -> None:
    assert flag_fired(text, flag)


@pytest.mark.parametrize(
    "text",
    [
        "Follow-up on fomo: we need it because handlers are swamped",
        "Follow-up on vendor_push: the idea is ours.",
        "Follow-up on pilot_purgatory: the service desk runs it.",
    ],
)
def test_the_advisors_own_labels_are_never_evidence(text: str) -> None:
    signals = detect_in_text(text, "notes", DEFAULT)
    assert signals == []


# A seller that is only the source of the data, a measurement basis or an existing contract.
SELLER_AS_SOURCE = [
    "measured on the agency's monthly invoices",
    "the supplier's delivery notes are scanned by hand",
    "from the carrier's tracking feed",
    "The vendor's monthly invoices show a 12% error rate.",
    "According to the supplier's delivery notes, 8% of pallets arrive damaged.",
    "The data came from the supplier's delivery notes.",
    "Our consultancy's timesheets show 400 hours of rework a quarter.",
    "The KPI is taken from the vendor's monthly report.",
    "Meter readings come from the metering provider, and nothing new is bought.",
    "The stock levels come from the logistics partner we already work with.",
]


@pytest.mark.parametrize("text", SELLER_AS_SOURCE)
def test_a_seller_as_the_source_of_data_is_no_push(text: str) -> None:
    assert not flag_fired(text, "vendor_push")


# A seller known only by its role: not in any list of vendors or products.
SELLER_BY_ROLE = [
    "Dataplexa ran a workshop and offered to build the first version on its own platform.",
    "Nordlight demoed its forecasting tool and will build it on their platform.",
    "After a workshop with Quantiva, they offered to build the model for us.",
    "Brightwave held a two-day hackathon with our planners and then offered to build a prototype.",
]


@pytest.mark.parametrize("text", SELLER_BY_ROLE)
def test_a_seller_is_known_by_its_role(text: str) -> None:
    rules = {s.rule for s in detect_in_text(text, "problem", DEFAULT)}
    assert "vendor_push.seller_role" in rules


@pytest.mark.parametrize(
    "text",
    [
        "The data team ran a workshop with planners to collect requirements.",
        "Our engineers will build it on the platform we already run.",
        "Following our in-house hackathon demo, the finance team asked for it.",
        "After the team's demo last sprint, planners listed their pain points.",
        "Zero developers required: it is just a few threshold rules the lab lead can maintain.",
        "It needs no ML engineers because our plant analysts can keep the report going.",
    ],
)
def test_our_own_workshops_and_platforms_are_no_seller(text: str) -> None:
    assert not flag_fired(text, "vendor_push")


COMPETITOR_PARITY = [
    "the insurer next door has one now and brokers keep asking where ours is",
    "The bank across the street launched one in spring; clients ask why we don't have one.",
    "A competing retailer got one last month and franchisees keep asking when we will get ours.",
    "Our members keep asking why we don't have one yet.",
]


@pytest.mark.parametrize("text", COMPETITOR_PARITY)
def test_plain_language_competitor_pressure_is_fomo(text: str) -> None:
    assert flag_fired(text, "fomo")


@pytest.mark.parametrize(
    "text",
    [
        "The insurer next door has one of the lowest prices in town.",
        "Customers ask why their claim takes three weeks.",
    ],
)
def test_neighbours_and_questions_without_parity_are_no_fomo(text: str) -> None:
    assert not flag_fired(text, "fomo")


IDLE_TECHNOLOGY = [
    "the licence we bought last year is barely used; let's find something for it",
    "Our GPU cluster sits idle most of the week, so we should find a use for it.",
    "We pay for 200 Copilot seats that are barely used; let's put them to good use.",
]


@pytest.mark.parametrize("text", IDLE_TECHNOLOGY)
def test_idle_technology_looking_for_a_problem_is_techno_push(text: str) -> None:
    rules = {s.rule for s in detect_in_text(text, "problem", DEFAULT)}
    assert "techno_push.idle_technology" in rules


OPEN_FINDINGS = [
    "the auditors' finding about shared admin accounts is still open",
    "Two audit observations about weak password rules are still outstanding.",
    "The regulator's remark on missing access logs remains unresolved.",
    "Auditors flagged that admin passwords are shared; this is still open.",
]
CLOSED_FINDINGS = [
    "The auditors' finding about shared admin accounts was closed in May.",
    "The regulator's remark on missing access logs was resolved last quarter.",
    "The pen-test findings from March have all been fixed.",
]


@pytest.mark.parametrize("text", OPEN_FINDINGS)
def test_an_open_finding_in_free_text_is_security_first(text: str) -> None:
    rules = {s.rule for s in detect_in_text(text, "notes", DEFAULT)}
    assert "security_first.open_security_gaps" in rules


@pytest.mark.parametrize("text", CLOSED_FINDINGS)
def test_a_fixed_finding_is_not_security_first(text: str) -> None:
    assert not flag_fired(text, "security_first")


# A share of people's time that is the pain being solved, not the cost of running the model.
TIME_SHARE_AS_PAIN = [
    "60 claims handlers spend 40% of their time reading reports",
    "Planners spend 25% of their working time copying figures between spreadsheets.",
    "About 30 percent of the agents' capacity goes into re-keying addresses.",
]
TIME_SHARE_AS_OVERHEAD = [
    "An analyst will spend 10% of her time maintaining the model.",
    "We'll run it with 20% of one engineer's time.",
    "Maintenance takes only 5% of an FTE.",
    "One engineer gives 10% of his week to the pipeline.",
]


@pytest.mark.parametrize("text", TIME_SHARE_AS_PAIN)
def test_a_share_of_time_that_is_the_pain_is_no_overhead(text: str) -> None:
    assert not flag_fired(text, "overhead_underestimated")


@pytest.mark.parametrize("text", TIME_SHARE_AS_OVERHEAD)
def test_a_share_of_time_to_run_the_model_is_overhead(text: str) -> None:
    assert flag_fired(text, "overhead_underestimated")


@pytest.mark.parametrize(
    ("text", "flag"),
    [
        # The new families and the 'record' term stay out of ordinary business language.
        ("The analysts demoed their tool to the planners.", "vendor_push"),
        ("Customers ask why we don't have it in stock.", "fomo"),
        ("Competitors offer it at half the price.", "fomo"),
        ("The servers are not used at night.", "techno_push"),
        ("Agents spend 30% of their time on support tickets.", "overhead_underestimated"),
    ],
)
def test_context_rules_leave_ordinary_business_alone(text: str, flag: str) -> None:
    assert not flag_fired(text, flag)


def test_a_sellers_people_are_not_a_record() -> None:
    assert flag_fired(
        "The vendor's data scientists told us it needs no labelled data.", "vendor_push"
    )


# Signals said plainly, in words no list of phrases spelled out before.
PLAIN_SIGNALS = [
    ("Our board hopes we get in early, since that is where the market is heading.", "fomo"),
    ("We are a small firm and want to be early.", "fomo"),
    ("Next to the discount grocers our loyalty app looks really dated.", "fomo"),
    ("The rival bank's app scans cheques and ours still can't.", "fomo"),
    ("Virtual try-on is now on every competitor's website.", "fomo"),
    ("Shoppers keep asking why don't you have one.", "fomo"),
    ("Most of the clinics in the region already run an AI triage bot.", "fomo"),
    ("Every garage in town is offering online booking these days.", "fomo"),
    ("Management wants generative AI throughout the company.", "techno_push"),
    ("We have not decided which process to automate first, but we want an LLM.", "techno_push"),
    ("Nobody is sure yet which department would go first.", "techno_push"),
    ("Let's build something with ChatGPT.", "techno_push"),
    ("The platform is powerful, we should do something with it.", "techno_push"),
    (
        "Voltrix held an innovation day with our planners and then offered to build a pilot.",
        "vendor_push",
    ),
    ("Kestrel will develop the scoring on their own fraud-detection cloud.", "vendor_push"),
    ("The recommender has been parked in staging for eight months.", "pilot_purgatory"),
    ("The model is ready but waiting for a rollout decision that no one makes.", "pilot_purgatory"),
]
# The same words in an ordinary sense.
PLAIN_LOOKALIKES = [
    ("We want to be early with invoice reminders, before the due date.", "fomo"),
    ("Every supermarket supplier sends us an invoice.", "fomo"),
    ("Not sure which process causes the delays, so we measured it.", "techno_push"),
    ("The queue keeps growing, we should do something about it.", "techno_push"),
    (
        "The defects are stuck in testing for two days on average, slowing releases.",
        "pilot_purgatory",
    ),
    ("Orders wait for a release date that the warehouse sets.", "pilot_purgatory"),
    ("Our rivals ship within a day and we don't know how.", "fomo"),
    ("Drivers ask why don't we get paid weekly.", "fomo"),
    ("We could do something with this sensor data to cut downtime.", "techno_push"),
]


@pytest.mark.parametrize(("text", "flag"), PLAIN_SIGNALS)
def test_plainly_said_signals_fire(text: str, flag: str) -> None:
    assert flag_fired(text, flag)


@pytest.mark.parametrize(("text", "flag"), PLAIN_LOOKALIKES)
def test_plain_lookalikes_do_not_fire(text: str, flag: str) -> None:
    assert not flag_fired(text, flag)


# Audit and certification vocabulary: exceptions, nonconformities, counted criticals, open
# corrective actions, leavers who can still log in. Closed or fixed ones do not count.
AUDIT_VOCABULARY_OPEN = [
    "Our ISAE 3402 report came back with three control exceptions around change management.",
    "Last year's PCI DSS assessment recorded a nonconformity on key rotation.",
    "The CAPA for the backup finding still hasn't been completed.",
    "Of the supervisor's recommendations after the on-site visit, four items remain open.",
    "The external scan turned up five high-severity vulnerabilities on the VPN concentrator.",
    "Roughly thirty ex-employees still hold working VPN accounts, per HR.",
]
AUDIT_VOCABULARY_CLOSED = [
    "Our ISO 27001 surveillance audit raised no nonconformities this year.",
    "The SOC 2 report listed two exceptions, both closed in March.",
    "All corrective actions from the audit are closed and verified.",
    "Leavers lose their access on the last working day.",
    "The regulator's three recommendations have all been implemented.",
    "The pen test found two criticals, since patched.",
    "We have four items outstanding on the project plan for the data team.",
    "The model raised five high risk customers for review.",
    "The ticket for the new dashboard is not done yet.",
]


@pytest.mark.parametrize("text", AUDIT_VOCABULARY_OPEN)
def test_open_audit_and_certification_items_are_security_first(text: str) -> None:
    assert "security_first" in flags_in(text, "notes")


@pytest.mark.parametrize("text", AUDIT_VOCABULARY_CLOSED)
def test_closed_or_unrelated_audit_like_items_are_not_security_first(text: str) -> None:
    assert "security_first" not in flags_in(text, "notes")


# The technology came first and the use is still being looked for: bought, adopted or built,
# then a search for where it fits. Needs for a use of an ordinary thing do not count.
USE_STILL_TO_FIND = [
    "Procurement signed for Copilot across the firm, and we're now mapping where the licences"
    " could add value.",
    "IT stood up a Databricks workspace in the spring; the analytics team still has to find"
    " a real use for it.",
    "Each business unit has been asked to propose two use cases for the new GenAI platform.",
    "Frankly this is technology-first: the vector database came with the upgrade and we want"
    " something to run on it.",
    "The intern's LLM prototype is neat, so let's give it a proper home somewhere in finance.",
    "AI is the answer, now what's the question?",
    "Every team should start using generative AI in its daily work.",
]
USE_FOUND_FIRST = [
    "We need a production use for the forecast by May, when the planners switch systems.",
    "We looked at where the delays happen and found most are at the loading bay.",
    "Each department must bring its budget requests for the new year by March.",
    "The model has no use for the postcode field, so we dropped it.",
    "We need to work out where the sensors can be installed on the line.",
    "The dashboard gives the planners a home for all the weekly figures.",
    "Our data platform needs a home for the raw files before we start.",
    "Customers first, technology second.",
]


@pytest.mark.parametrize("text", USE_STILL_TO_FIND)
def test_technology_first_use_still_to_find_is_techno_push(text: str) -> None:
    assert "techno_push" in flags_in(text)


@pytest.mark.parametrize("text", USE_FOUND_FIRST)
def test_looking_for_a_use_of_ordinary_things_is_not_techno_push(text: str) -> None:
    assert "techno_push" not in flags_in(text)


# Running costs that leave out the people: the cost is the infrastructure bill alone, nobody is
# funded to retrain or monitor, upkeep absorbed by existing resources. Sentences that price
# people, or absorb something other than the model's upkeep, do not count.
PEOPLE_LEFT_OUT = [
    "The yearly cost is really just the Azure invoice, around 60k.",
    "No budget has been set aside for retraining once the agency leaves.",
    "Monitoring and model updates will be absorbed within current capacity.",
    "Whatever retraining it needs can be absorbed within the existing headcount, we think.",
]
PEOPLE_PRICED = [
    "The annual cost is the cloud bill plus two engineers at 100k each.",
    "The total cost covers hosting and two FTE for retraining and monitoring.",
    "Budget for retraining and monitoring is set aside: one analyst, half-time.",
    "The annual cost of the outages is the main reason we are doing this.",
    "Travel costs are covered from existing budgets.",
    "Support for the new printers is handled by the existing team.",
]


@pytest.mark.parametrize("text", PEOPLE_LEFT_OUT)
def test_running_costs_without_people_are_overhead(text: str) -> None:
    assert "overhead_underestimated" in flags_in(text, "notes")


@pytest.mark.parametrize("text", PEOPLE_PRICED)
def test_running_costs_that_price_people_are_not_overhead(text: str) -> None:
    assert "overhead_underestimated" not in flags_in(text, "notes")


# One rival or the sector held up against us, said plainly. Comparisons that are the business
# pain itself, alternate weeks, questions about ordinary service and internal sites do not count.
PLAIN_COMPARISON = [
    "Shoppers keep comparing us against the bigger grocers on the app.",
    "Even the tiny bakery chain down the road has an AI ordering assistant now.",
    "We are one of the last hauliers left without machine learning routing.",
    "Most other dealers around here already offer online valuations.",
    "Patients ask the front desk why we don't.",
    "The sector survey ranked us bottom quartile for digital maturity.",
]
NO_PLAIN_COMPARISON = [
    "Every other week the team has a review of the backlog.",
    "Customers ask why we don't deliver on Sundays.",
    "The benchmark put us in the bottom quartile on cost per claim, which is the pain.",
    "The other sites in our network have the same ERP.",
    "We compared the two suppliers on price and quality.",
    "Even with AI assistance, handlers need to check each file.",
    "Even after the upgrade, the team has a chatbot backlog.",
]


@pytest.mark.parametrize("text", PLAIN_COMPARISON)
def test_a_plain_comparison_with_rivals_or_the_sector_is_fomo(text: str) -> None:
    assert "fomo" in flags_in(text)


@pytest.mark.parametrize("text", NO_PLAIN_COMPARISON)
def test_ordinary_comparisons_are_not_fomo(text: str) -> None:
    assert "fomo" not in flags_in(text)


# Fomo in other shapes: ranked low in someone's AI or digital index, the others round here, not
# wanting to be among the minority or the laggards, rivals pointed at, parity wanted. A ranking
# of the pain itself, feature or pay parity, a motive granted then set aside or disowned as a
# race, and a consultant's "quick win" label do not count.
FOMO_SHAPES = [
    "A consultancy's digital maturity ranking of regional lenders had us near the bottom, and the"
    " chair hates that.",
    "The magazine's annual AI readiness index ranked us 17th out of 18 building societies.",
    "Most other garages round us already use online booking assistants, according to our MD.",
    "Most other libraries locally already offer an AI reading assistant.",
    "Analysts expect seven in ten hauliers to use predictive routing soon; we would hate to be"
    " among the laggards.",
    "Leadership doesn't want us to be one of the remaining 30% without automated pricing.",
    "Our chairman constantly points to the big retailers and their personalised offers.",
    "The CFO wants digital parity with the leading banks before the next investor day.",
    "Management asked for parity by the summer.",
    "We need some quick wins to show the board before the AI budget review.",
    "Rival insurers already use AI pricing and we are racing to match them.",
]
NO_FOMO_SHAPES = [
    "The customer satisfaction index ranked us 14th of 15, which is exactly the pain we want to"
    " fix.",
    "Our data quality scorecard rates us low on completeness for the address field.",
    "We need feature parity with the legacy billing system before we switch it off.",
    "Pay parity between the two sites is part of the union agreement.",
    "The signpost points to the big warehouses on the ring road.",
    "Volunteers asked whether we're lagging other charities on AI. Good question, but a poor"
    " reason to build anything.",
    "The board wondered if we trail the big insurers on AI, which is the wrong reason to start a"
    " project.",
    "The consultants called it a quick win in their slides.",
    "Staff would rather not be among the remaining few who work nights.",
    "Sure, the big hotel groups have smart pricing now, but we aren't trying to copy them; empty"
    " rooms on Tuesdays are the issue.",
]


@pytest.mark.parametrize("text", FOMO_SHAPES)
def test_fomo_in_other_shapes_fires(text: str) -> None:
    assert "fomo" in flags_in(text)


@pytest.mark.parametrize("text", NO_FOMO_SHAPES)
def test_fomo_lookalikes_do_not_fire(text: str) -> None:
    assert "fomo" not in flags_in(text)


def test_a_motive_disowned_as_a_race_is_no_techno_push() -> None:
    assert "techno_push" not in flags_in(
        "Sure, rival florists have shiny AI gadgets, but we're not chasing that."
    )


# Sellers in other shapes: free pilots of any length, a seller's strategy deck or roadmap, its
# own people proposed to deliver, first-customer programmes, dealers and distributors that pitch,
# bundles and sign-by-a-date discounts. A vendor's staff working under an existing contract, a
# data subscription, supplier payment terms and our own staff's proposals do not count.
VENDOR_SHAPES = [
    "A document-AI start-up has offered us a free 90-day pilot on our scanned claims.",
    "A firm selling route software gave us a complimentary, month-long trial.",
    "The consultancy's data strategy roadmap puts a chatbot first, to be built by them.",
    "The integrator proposed that their consultants implement the forecasting engine.",
    "Our CRM vendor invited us to become a design partner for their lead-scoring add-on.",
    "We could join the supplier's early adopter programme and get the module at cost.",
    "The start-up would take us on as one of its launch customers at half price.",
    "The forklift dealer pitched us a telematics package with predictive maintenance.",
    "The distributor's AI pricing module was shown to us at their customer day.",
    "Their predictive add-on is thrown in for free with the ERP renewal.",
    "It is 25% off if we sign before the end of the fiscal year.",
]
NO_VENDOR_SHAPES = [
    "The technicians who service the chillers come from the equipment vendor under our existing"
    " maintenance agreement.",
    "We are free to run a trial of our own model on last year's data.",
    "Our weather data subscription was bought three years ago and feeds the current planning"
    " sheet.",
    "Suppliers give us 2% off when we pay within ten days.",
    "The nurses proposed that their team runs the new rota trial.",
    "Early adopters among our own staff tested the new intranet search.",
    "Our launch customers asked for smarter search in the app we sell.",
    "We will sign the office lease before the end of the quarter.",
    "The car dealer's invoices arrive as PDFs and are keyed in by hand.",
]


@pytest.mark.parametrize("text", VENDOR_SHAPES)
def test_vendor_push_in_other_shapes_fires(text: str) -> None:
    assert "vendor_push" in flags_in(text, "notes")


@pytest.mark.parametrize("text", NO_VENDOR_SHAPES)
def test_vendor_lookalikes_do_not_fire(text: str) -> None:
    assert "vendor_push" not in flags_in(text, "notes")


# Acquired first, the use looked for afterwards (in the same or the next sentence), or every site
# asked to find a use for it. Things bought with their use known, and budget rounds, do not count.
TECHNOLOGY_THEN_A_USE = [
    "We licensed a graph database last autumn and are still working out what to do with it.",
    "IT installed a GPU server in January; we are wondering where we could apply it.",
    "The innovation lab built a speech bot for the open day, and now management asks what it"
    " might be useful for.",
    "Head office challenged every branch to come up with two uses for the new language model.",
    "The region expects all our depots to propose applications for the drone service.",
]
USE_KNOWN_OR_ORDINARY = [
    "We bought a new forklift and trained everyone on how to use it.",
    "We built the extension in 2019 and now use it for returns.",
    "We bought the vans in May and know exactly what we will use them for: night deliveries.",
    "The old depot is empty and the question is what it could be used for.",
    "Head office asked every branch to bring budget ideas for the new year.",
    "We built the dashboard because planners could not see stock, and we know what to do with it.",
]


@pytest.mark.parametrize("text", TECHNOLOGY_THEN_A_USE)
def test_technology_acquired_then_a_use_looked_for_is_techno_push(text: str) -> None:
    assert "techno_push" in flags_in(text)


@pytest.mark.parametrize("text", USE_KNOWN_OR_ORDINARY)
def test_a_use_known_or_an_ordinary_thing_is_not_techno_push(text: str) -> None:
    assert "techno_push" not in flags_in(text)


# A pilot whose fate nobody decides: no call to scale or stop it, no go-live decision for months,
# the approving body not meeting, waiting on who pays for production, parked "in validation" for
# a year. Ordinary undecided matters, a production line, short reviews and an old intranet told
# as a lesson do not count; a dated portal that is still unowned does.
UNDECIDED_PILOTS = [
    "The churn model works, but no one has made the call to scale it up or shut it down.",
    "Still no go-live decision after eight months, so the scores only feed a sandbox.",
    "The roll-out decision keeps getting pushed back by the regional directors.",
    "The investment board that signs off production hasn't convened since last September.",
    "We are still waiting on an answer about which department funds the hosting once it leaves"
    " the lab.",
    "The matching engine is still 'in validation' after well over a year.",
    "Our 2022 customer portal is still unused because nobody owns it.",
]
DECIDED_OR_UNRELATED = [
    "Nobody has decided the colour of the new uniforms yet.",
    "We are waiting for a decision on who pays for the canteen refurbishment.",
    "We're waiting on a decision about whether the production line moves to Leeds.",
    "The investment committee has not met yet this year, so the budget is open.",
    "The new pricing has been in review for two weeks.",
    "Our 2020 staff intranet had pages nobody read after launch, a lesson we took: this one has"
    " an editor from day one.",
]


@pytest.mark.parametrize("text", UNDECIDED_PILOTS)
def test_a_pilot_whose_fate_nobody_decides_is_purgatory(text: str) -> None:
    assert "pilot_purgatory" in flags_in(text, "notes")


@pytest.mark.parametrize("text", DECIDED_OR_UNRELATED)
def test_ordinary_pending_decisions_are_not_purgatory(text: str) -> None:
    assert "pilot_purgatory" not in flags_in(text, "notes")


# Upkeep nobody is really given: fitted into quiet spells, left to one person shared across many
# places, "on autopilot", an annual amount that is infrastructure only, no staffing budget, no
# bandwidth for retraining. A question answered "no", ordinary maintenance at quiet times, people
# working "on autopilot", no time for the task that is the pain, and priced people do not count.
UPKEEP_NOT_GIVEN = [
    ("The planners can retrain the forecast during slack weeks in January.", "operating_plan"),
    ("Care coordinators will look after the scores at quiet times on the ward.", "operating_plan"),
    ("The network admin who supports six surgeries will maintain the model.", "operating_plan"),
    ("Once tuned, the pricing tool can run on auto-pilot.", "operating_plan"),
    ("Yearly amount = hosting and API tokens.", "notes"),
    (
        "The grant pays for the build; the BI team has no bandwidth for retraining or monitoring"
        " after that.",
        "notes",
    ),
    ("There is no staffing budget in the plan because the vendor says it is automatic.", "notes"),
]
UPKEEP_GIVEN_OR_UNRELATED = [
    (
        "Will the model retrain itself? No: our ML engineer retrains it monthly, 20 days a year"
        " costed.",
        "operating_plan",
    ),
    ("The crews maintain the pumps during quiet periods at night.", "problem"),
    ("Our planners work on autopilot and miss the exceptions.", "problem"),
    ("Nurses have no time to monitor the drip rates on busy nights, which is the pain.", "problem"),
    ("The regional manager who covers four depots signed off the budget.", "notes"),
    ("Yearly amount = hosting plus two analysts' time for retraining.", "notes"),
]


@pytest.mark.parametrize(("text", "field"), UPKEEP_NOT_GIVEN)
def test_upkeep_nobody_is_given_is_overhead(text: str, field: str) -> None:
    assert "overhead_underestimated" in flags_in(text, field)


@pytest.mark.parametrize(("text", "field"), UPKEEP_GIVEN_OR_UNRELATED)
def test_upkeep_given_or_unrelated_is_not_overhead(text: str, field: str) -> None:
    assert "overhead_underestimated" not in flags_in(text, field)


# An operating plan that names an owner and leaves only the extra help open is a plan; one that
# leaves the owner to "someone" or "whoever" is not.
@pytest.mark.parametrize(
    "text",
    [
        "Someone in IT will probably look after it.",
        "Whoever is on shift, we'll see.",
        "Either the BI team or whoever has time.",
    ],
)
def test_an_unnamed_owner_is_a_vague_plan(text: str) -> None:
    assert "pilot_purgatory" in flags_in(text, "operating_plan")


@pytest.mark.parametrize(
    "text",
    [
        "Our data analyst owns it, helped by whoever is on the rota that week; monthly retrain.",
        "The claims lead plus someone from IT for the server, weekly refresh.",
    ],
)
def test_a_named_owner_with_unnamed_help_is_a_plan(text: str) -> None:
    assert "pilot_purgatory" not in flags_in(text, "operating_plan")


# Quotes, brackets, dashes and emoji between the words of a pattern: the separators the
# prefilter can still index as word starts.
PUNCTUATED_SIGNALS = [
    ("The scoring service has been “in testing” for nine months.", "pilot_purgatory", "notes"),
    (
        "We bought a knowledge graph (big launch 🎉) — now we're asking what to do with it.",
        "techno_push",
        "problem",
    ),
    (
        "Agents can check the model between calls during calm hours.",
        "overhead_underestimated",
        "operating_plan",
    ),
    ("Every other practice around here already offers an AI triage line.", "fomo", "problem"),
]
PUNCTUATED_LOOKALIKES = [
    ('The scoring service has been "in testing" for nine days.', "pilot_purgatory", "notes"),
    (
        "We bought a knowledge graph (big launch 🎉) — we know what to use it for: fraud rings.",
        "techno_push",
        "problem",
    ),
    (
        "The crews clean the filters during slow weeks in August.",
        "overhead_underestimated",
        "operating_plan",
    ),
]


@pytest.mark.parametrize(("text", "flag", "field"), PUNCTUATED_SIGNALS)
def test_signals_across_punctuation_fire(text: str, flag: str, field: str) -> None:
    assert flag in flags_in(text, field)


@pytest.mark.parametrize(("text", "flag", "field"), PUNCTUATED_LOOKALIKES)
def test_punctuated_lookalikes_do_not_fire(text: str, flag: str, field: str) -> None:
    assert flag not in flags_in(text, field)


@pytest.mark.parametrize(
    "text",
    [
        "Allianz just launched something similar and the brokers noticed.",
        "A start-up in Lyon has already rolled out a similar assistant for its adjusters.",
        "Nordbank recently released one like it, so the board is nervous.",
    ],
)
def test_someone_else_launching_first_is_fomo_even_named_only_by_brand(text: str) -> None:
    assert Flag.FOMO in {s.flag for s in detect_in_text(text, "problem", DEFAULT)}


@pytest.mark.parametrize(
    "text",
    [
        "We just launched something similar in Spain and want the same here.",
        "Our claims team already rolled out a similar tool for motor claims.",
        "Allianz just launched something similar, but that is not what drives this.",
    ],
)
def test_our_own_launch_or_a_dismissed_one_is_no_fomo(text: str) -> None:
    assert Flag.FOMO not in {s.flag for s in detect_in_text(text, "problem", DEFAULT)}
