#!/usr/bin/env python3
"""Builds datasets/long_document/cases.jsonl.

Each case is one long Tallyboard document (22,000-32,000 characters) followed by a
question. The fact that answers it is stated exactly once, deep inside the document (in
the last 35%, never in the final paragraph), and facts of the same kind (other dates,
amounts, names, versions or time limits) appear elsewhere, so skimming gives a wrong answer.
main() checks all of this, and that the expected quote is a verbatim sentence of the document.

Deterministic and standard library only: run `python3 generate.py` from any directory.
"""

import json
import os
import random
import re

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "cases.jsonl")

BUILDERS = []


def builder(fn):
    BUILDERS.append(fn)
    return fn


def table(headers, rows):
    lines = ["| " + " | ".join(headers) + " |", "| " + " | ".join("---" for _ in headers) + " |"]
    for row in rows:
        lines.append("| " + " | ".join(str(c) for c in row) + " |")
    return "\n".join(lines)


def bullets(items, mark="-"):
    return "\n".join(f"{mark} {item}" for item in items)


def join(blocks):
    return "\n\n".join(b.strip("\n") for b in blocks if b)


FIRST_NAMES = [
    "Amara", "Ben", "Carmen", "Dev", "Elif", "Felix", "Grace", "Hiro", "Ines", "Jonah",
    "Keisha", "Lars", "Mei", "Nadia", "Oscar", "Priti", "Quinn", "Rosa", "Sami", "Tomasz",
    "Uma", "Victor", "Wen", "Ximena", "Yusuf", "Zoe", "Aled", "Bianca", "Callum", "Dalia",
    "Emeka", "Farah", "Gustavo", "Hana", "Ivo", "Jess", "Kofi", "Leila", "Marco", "Noor",
]
LAST_NAMES = [
    "Abbott", "Brennan", "Castillo", "Dimitrov", "Eriksen", "Fofana", "Gallagher", "Haddad",
    "Ivanova", "Jensen", "Kowalski", "Lindqvist", "Mensah", "Nakamura", "O'Brien", "Patel",
    "Quiroga", "Rahman", "Schultz", "Takahashi", "Urquhart", "Varga", "Whitfield", "Xu",
    "Yilmaz", "Zielinski", "Adeyemi", "Bianchi", "Chowdhury", "Duarte", "Esposito", "Fraser",
]


def names(rng, n, exclude=()):
    seen = set(exclude)
    out = []
    while len(out) < n:
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        first = name.split()[0]
        if name in seen or any(o.split()[0] == first for o in out):
            continue
        seen.add(name)
        out.append(name)
    return out


@builder
def contract_corvane():
    quote = ("Either party may terminate this Agreement for convenience at any time by giving the "
             "other party not less than 120 days' prior written notice.")
    blocks = [
        "MASTER SERVICES AGREEMENT\nColocation, Interconnection and Managed Infrastructure Services\nAgreement No. CDC-TB-2024-017",
        "This Master Services Agreement (the \"Agreement\") is entered into as of 1 February 2024 (the \"Effective Date\") by and between Corvane Data Centers Ltd., a private company limited by shares registered in Ireland under company number 604418, with its registered office at Unit 4, Grange Castle Business Park, Clondalkin, Dublin 22, Ireland (\"Provider\"), and Tallyboard, Inc., a Delaware corporation with its principal place of business at 410 SW Morrison Street, Suite 900, Portland, Oregon 97204, United States (\"Customer\"). Provider and Customer are each a \"party\" and together the \"parties\".",
        "RECITALS",
        "A. Provider owns and operates data center facilities in Dublin, Ireland and Frankfurt, Germany, and provides colocation space, power, cross-connects, remote hands and related managed services to business customers.\n\nB. Customer operates a software-as-a-service platform for project management, time tracking, client invoicing and card payment acceptance, and wishes to house certain network, storage and compute equipment in Provider's facilities to serve its European customers.\n\nC. The parties wish to set out the terms on which Provider will supply such services to Customer under one or more Order Forms.",
        "NOW, THEREFORE, in consideration of the mutual covenants set out below, the parties agree as follows.",
        "1. DEFINITIONS",
        "1.1 \"Affiliate\" means any entity that directly or indirectly controls, is controlled by, or is under common control with a party, where \"control\" means ownership of more than fifty percent of the voting interests of the entity.\n\n1.2 \"Customer Equipment\" means the servers, storage arrays, network switches, firewalls, cabling and other hardware owned or leased by Customer and installed in the Licensed Space, together with any software running on it.\n\n1.3 \"Cross-Connect\" means a physical fibre or copper connection between the Licensed Space and another customer, a carrier or a meet-me room within the same Facility.\n\n1.4 \"Facility\" means each data center building identified in an Order Form, including its shared areas, loading docks, meet-me rooms and security perimeter.\n\n1.5 \"Licensed Space\" means the cabinets, cages or suites within a Facility that Provider makes available to Customer under an Order Form.\n\n1.6 \"Order Form\" means a document executed by both parties that describes specific Services, the Facility, the quantities, the Service Start Date, the Order Term and the Fees, and that refers to this Agreement.\n\n1.7 \"Order Term\" means the period stated in an Order Form during which Provider will provide the Services described in it.\n\n1.8 \"Remote Hands\" means on-site technical tasks performed by Provider personnel at Customer's written request, such as power cycling equipment, swapping pre-labelled drives, reseating cables or providing visual confirmation of status lights.\n\n1.9 \"Service Credit\" means a credit against future Fees calculated in accordance with Schedule 2.\n\n1.10 \"Service Start Date\" means the date on which Provider notifies Customer that the Licensed Space and associated Services are ready for use in accordance with the relevant Order Form.\n\n1.11 \"Services\" means the colocation, power, cooling, Cross-Connect, Remote Hands, managed network and other services described in this Agreement and in each Order Form.",
        "2. SERVICES AND ORDER FORMS",
        "2.1 Provision of Services. Provider will provide the Services to Customer in accordance with this Agreement and each Order Form. Each Order Form forms a separate contract incorporating the terms of this Agreement. If there is a conflict between this Agreement and an Order Form, the Order Form prevails only for the Services described in it and only where it expressly states that it overrides a named clause of this Agreement.\n\n2.2 Additional Orders. Customer may order additional Services by executing further Order Forms. Provider will use commercially reasonable efforts to accommodate requests for additional Licensed Space adjacent to Customer's existing Licensed Space, but does not commit to reserve space unless an Order Form expressly grants a right of first refusal.\n\n2.3 Service Start Date. Provider will use commercially reasonable efforts to make the Licensed Space available by the target date stated in the Order Form. If the Service Start Date is more than 30 days after that target date for reasons within Provider's control, Customer may cancel the affected Order Form by written notice without liability, and Provider will refund any installation Fees already paid for it.\n\n2.4 Changes to Facilities. Provider may change the physical location of Licensed Space within a Facility on not less than 60 days' written notice, provided that Provider bears all costs of moving Customer Equipment and that the move does not reduce the power, cooling or connectivity available to Customer. Provider will not relocate Customer Equipment between Facilities without Customer's prior written consent.",
        "3. CUSTOMER OBLIGATIONS",
        "3.1 Customer will use the Licensed Space only to house Customer Equipment for the purposes of its business and in compliance with Provider's Facility rules, as updated from time to time and provided to Customer in writing. Provider will give Customer at least 30 days' notice of any material change to the Facility rules.\n\n3.2 Customer will not exceed the power allocation stated in the Order Form for any cabinet. If monitoring shows that Customer's average draw exceeded the allocation for 3 consecutive days, Provider may notify Customer, and Customer will within 10 business days either reduce its draw or order additional power at the Fees in Schedule 3.\n\n3.3 Customer is responsible for installing, configuring, maintaining and insuring Customer Equipment, and for all content and data processed by it. Customer Equipment must comply with the electrical and safety standards applicable in the country of the Facility and must be installed in a manner that does not obstruct airflow in adjacent cabinets.\n\n3.4 Customer will provide and keep current a list of individuals authorized to access the Licensed Space and to request Remote Hands (the \"Authorized Contacts\"). Customer is responsible for the acts and omissions of its Authorized Contacts and of any contractors it brings into a Facility.",
        "4. ACCESS TO FACILITIES",
        "4.1 Authorized Contacts may access the Licensed Space 24 hours a day, 7 days a week, subject to presenting government-issued photo identification and passing Provider's biometric and badge controls. Visitors who are not Authorized Contacts must be escorted at all times by an Authorized Contact.\n\n4.2 Provider may refuse or suspend access to any person who breaches the Facility rules, who behaves in a manner that endangers people or equipment, or whose identity cannot be confirmed. Provider will notify Customer promptly of any such refusal.\n\n4.3 Deliveries of Customer Equipment must be booked at least 2 business days in advance through Provider's customer portal. Provider will accept deliveries on Customer's behalf during staffed hours, store them in a secure area for up to 14 days at no charge, and thereafter at the storage rate in Schedule 3.\n\n4.4 Provider will keep access logs and closed-circuit television recordings for each Facility for at least 90 days and will provide relevant extracts to Customer on reasonable request in connection with a security investigation.",
        "5. SERVICE LEVELS",
        "5.1 Provider will meet the service levels set out in Schedule 2. Service Credits are Customer's sole and exclusive monetary remedy for a failure to meet a service level, except where the failure also gives Customer a right to terminate under clause 15 or results from Provider's gross negligence or wilful misconduct.\n\n5.2 To receive a Service Credit, Customer must submit a claim through the customer portal within 30 days after the end of the month in which the failure occurred, with the dates, times and affected Services. Provider will respond to each claim within 15 business days and will apply approved Service Credits to the next invoice.\n\n5.3 Service Credits for any month will not exceed 50% of the monthly recurring Fees for the affected Order Form. Service levels do not apply to failures caused by Customer Equipment, by Customer's breach of this Agreement, by scheduled maintenance notified in accordance with clause 5.4, or by a Force Majeure Event.\n\n5.4 Provider will give at least 10 business days' notice of scheduled maintenance that could affect the Services, and at least 48 hours' notice of emergency maintenance where practicable. Scheduled maintenance on power and cooling systems will be performed so that at least one independent power path to each cabinet remains energized throughout.",
        "6. FEES AND PAYMENT",
        "6.1 Customer will pay the Fees set out in each Order Form and in Schedule 3. Non-recurring Fees are invoiced on the Service Start Date. Monthly recurring Fees are invoiced monthly in advance, beginning on the Service Start Date, and pro-rated for any partial first month. Remote Hands and other usage-based Fees are invoiced monthly in arrears.\n\n6.2 Invoices are payable in euros within 45 days of the invoice date by bank transfer to the account specified on the invoice. Provider may charge interest on undisputed amounts that remain unpaid after the due date at the rate of 1% per month or, if lower, the maximum rate permitted by law.\n\n6.3 If Customer disputes an invoice in good faith, it will notify Provider in writing before the due date, describing the disputed amount and the reason, and will pay the undisputed portion when due. The parties will work together in good faith to resolve the dispute within 30 days.\n\n6.4 Provider may increase the monthly recurring Fees for an Order Form once in each 12-month period after the first anniversary of its Service Start Date, by giving Customer at least 60 days' written notice. Any such increase will not exceed the lower of 3% and the annual change in the Irish Harmonised Index of Consumer Prices published for the preceding December. Power Fees may additionally be adjusted as described in Schedule 3.\n\n6.5 If any undisputed amount is more than 30 days overdue, Provider may, after giving a further 15 days' written notice, suspend Remote Hands and new Cross-Connect orders until payment is received. Provider will not suspend power, cooling or existing connectivity for non-payment except as a remedy of termination under clause 15.",
        "7. TAXES",
        "7.1 All Fees are exclusive of value added tax, sales, use and similar taxes, which Customer will pay at the applicable rate in addition to the Fees. Each party is responsible for taxes on its own income, property and employees.\n\n7.2 If Customer is required by law to withhold any tax from a payment, it will gross up the payment so that Provider receives the amount it would have received without the withholding, unless Provider can obtain a credit or refund of the withheld amount, in which case the parties will cooperate to claim it.",
        "8. CONFIDENTIALITY",
        "8.1 Each party (the \"Recipient\") will keep confidential all non-public information disclosed by the other party (the \"Discloser\") that is marked confidential or would reasonably be understood to be confidential, including the terms of this Agreement, Facility layouts, security procedures, network diagrams and pricing (\"Confidential Information\"). The Recipient will use Confidential Information only to perform or receive the Services and will disclose it only to its employees, Affiliates, auditors and advisers who need to know it and are bound by written or professional confidentiality obligations at least as protective as this clause.\n\n8.2 Confidential Information does not include information that is or becomes public other than through the Recipient's breach, that the Recipient already knew without restriction, that the Recipient independently develops, or that the Recipient lawfully receives from a third party without restriction. The Recipient may disclose Confidential Information where required by law or court order, after giving the Discloser prompt notice where lawful so that it may seek a protective order.\n\n8.3 The obligations in this clause 8 continue for 5 years after the termination of this Agreement, and for trade secrets and security information for as long as they remain confidential.",
        "9. DATA PROTECTION AND SECURITY",
        "9.1 Provider does not have logical access to data stored on Customer Equipment and will not attempt to obtain it. To the extent Provider processes personal data on Customer's behalf, such as the names and identification details of Authorized Contacts or recordings that capture Customer personnel, it will do so in accordance with the data processing addendum attached to this Agreement as Exhibit A.\n\n9.2 Provider will maintain, for each Facility, certification to ISO/IEC 27001 and an annual SOC 2 Type II report covering physical security and environmental controls, and will provide Customer with copies on request under clause 8. Provider will notify Customer within 24 hours after becoming aware of any physical security incident that involves the Licensed Space or Customer Equipment.\n\n9.3 Once in each calendar year, and additionally after any security incident affecting Customer, Customer may audit Provider's compliance with this clause 9 on at least 20 business days' notice, during normal business hours and subject to Provider's reasonable safety and confidentiality requirements. Customer bears its own costs of any audit.\n\n9.4 Provider will securely destroy any storage media that Customer instructs it to destroy, in accordance with NIST Special Publication 800-88, and will provide a certificate of destruction listing the serial numbers of the media destroyed.",
        "10. INTELLECTUAL PROPERTY",
        "10.1 Each party retains all rights in its own intellectual property. Nothing in this Agreement transfers ownership of any intellectual property from one party to the other. Customer Equipment, and all software and data on it, remain the property of Customer or its licensors at all times, and Provider has no lien over Customer Equipment.\n\n10.2 Provider grants Customer a non-exclusive, non-transferable licence during the term to use the customer portal, monitoring dashboards and related documentation solely to receive the Services.",
        "11. WARRANTIES",
        "11.1 Each party warrants that it has full power and authority to enter into and perform this Agreement and that doing so will not breach any other agreement by which it is bound.\n\n11.2 Provider warrants that it will provide the Services with reasonable skill and care, in accordance with good industry practice for tier III data center operators, and in compliance with applicable laws.\n\n11.3 Except as expressly set out in this Agreement, neither party gives any warranty, condition or representation, whether express or implied, including any implied warranty of merchantability, satisfactory quality or fitness for a particular purpose.",
        "12. INDEMNIFICATION",
        "12.1 Provider will defend Customer against any claim by a third party arising from death or personal injury caused by the negligence of Provider's personnel in a Facility, or alleging that the customer portal infringes that third party's intellectual property rights, and will pay any damages finally awarded and reasonable costs incurred as a result.\n\n12.2 Customer will defend Provider against any claim by a third party arising from the content or data processed by Customer Equipment, or from death or personal injury caused by the negligence of Customer's Authorized Contacts or contractors in a Facility, and will pay any damages finally awarded and reasonable costs incurred as a result.\n\n12.3 The indemnified party must notify the indemnifying party promptly of the claim, give it sole control of the defence and settlement, and provide reasonable cooperation at the indemnifying party's expense. The indemnifying party will not settle any claim in a way that imposes an obligation or admission on the indemnified party without its written consent.",
        "13. LIMITATION OF LIABILITY",
        "13.1 Nothing in this Agreement limits either party's liability for death or personal injury caused by negligence, fraud or fraudulent misrepresentation, its indemnification obligations under clause 12, or Customer's obligation to pay Fees.\n\n13.2 Subject to clause 13.1, neither party is liable for any loss of profits, revenue, business, goodwill or anticipated savings, or for any indirect or consequential loss, however arising.\n\n13.3 Subject to clause 13.1, each party's total liability arising out of or in connection with this Agreement in any contract year is limited to the total Fees paid and payable by Customer in the 12 months before the event giving rise to the claim. For damage to Customer Equipment caused by Provider's negligence, Provider's liability is instead limited to EUR 2,000,000 per event.",
        "14. INSURANCE",
        "14.1 During the term, Provider will maintain public liability insurance of at least EUR 10,000,000 per occurrence, professional indemnity insurance of at least EUR 5,000,000 in aggregate, and property insurance covering each Facility at full reinstatement value. Customer will maintain insurance covering Customer Equipment at its replacement value and public liability insurance of at least USD 5,000,000 per occurrence.\n\n14.2 Each party will provide certificates of insurance on request and will notify the other party within 30 days if any required policy is cancelled or materially reduced.",
        "15. TERM AND TERMINATION",
        "15.1 Term. This Agreement begins on the Effective Date and continues until the expiry or termination of the last Order Form in effect. Each Order Form has an initial Order Term of 36 months from its Service Start Date and then renews automatically for successive periods of 12 months, unless either party gives written notice of non-renewal at least 90 days before the end of the then-current Order Term.\n\n15.2 Termination for cause. Either party may terminate this Agreement or an affected Order Form by written notice if the other party commits a material breach and fails to remedy it within 30 days after receiving written notice describing the breach in reasonable detail. Customer may also terminate an affected Order Form by written notice if Provider fails to meet the power availability service level in Schedule 2 in any 3 months within a rolling 12-month period.\n\n15.3 Insolvency. Either party may terminate this Agreement with immediate effect by written notice if the other party becomes insolvent, makes a general assignment for the benefit of creditors, has a receiver, examiner, administrator or liquidator appointed over any of its assets, or ceases to carry on business.\n\n15.4 Termination for convenience. " + quote + " If Customer terminates under this clause 15.4 during the initial Order Term of any Order Form, Customer will pay an early termination charge equal to 50% of the monthly recurring Fees that would have been payable for that Order Form for the remainder of its initial Order Term. No early termination charge applies to termination by Provider under this clause, and Provider will refund any Fees paid in advance for periods after the termination date.",
        "16. EFFECTS OF TERMINATION AND TRANSITION",
        "16.1 On termination or expiry of an Order Form, Customer will remove Customer Equipment from the affected Licensed Space within 30 days and return the Licensed Space in the condition in which it was delivered, fair wear and tear excepted. Provider will give Customer and its contractors reasonable access for that purpose and will not charge Fees for the Licensed Space during that removal period.\n\n16.2 At Customer's request, Provider will provide transition assistance for up to 6 months after the termination date, including continued Services under the terms of the terminated Order Form, escorted access, packing support and Cross-Connect migration, at the Fees in Schedule 3. Provider will not withhold Customer Equipment for any reason, including a payment dispute.\n\n16.3 Clauses 6 (for amounts accrued before termination), 8, 12, 13, 16, 18 and 19 survive termination of this Agreement.",
        "17. FORCE MAJEURE",
        "Neither party is liable for any failure or delay in performing its obligations, other than obligations to pay money, to the extent caused by events beyond its reasonable control, including acts of God, flood, earthquake, war, terrorism, epidemic, government action, or failure of the public electricity grid lasting longer than the autonomy of the Facility's generators (a \"Force Majeure Event\"). The affected party will notify the other promptly and use reasonable efforts to mitigate the effect. If a Force Majeure Event prevents the provision of substantially all Services at a Facility for more than 30 consecutive days, either party may terminate the affected Order Forms by written notice.",
        "18. NOTICES",
        "Notices under this Agreement must be in writing and delivered by hand, by international courier or by email with confirmation of receipt. Notices to Provider go to the Legal Department at its registered office, with a copy to legal@corvane.ie. Notices to Customer go to the General Counsel at the address above, with a copy to legal@tallyboard.com. Operational communications, including maintenance notices and Remote Hands requests, may be given through the customer portal.",
        "19. GOVERNING LAW AND DISPUTES",
        "This Agreement and any non-contractual obligations arising out of it are governed by the laws of Ireland. The parties will first attempt to resolve any dispute through discussions between their respective heads of infrastructure and, if not resolved within 20 business days, between their chief executive officers. Any dispute not resolved in that way will be subject to the exclusive jurisdiction of the courts of Ireland, except that either party may seek injunctive relief in any court of competent jurisdiction.",
        "20. GENERAL",
        "20.1 Neither party may assign this Agreement without the other party's prior written consent, except to an Affiliate or to a successor to all or substantially all of its business or assets to which this Agreement relates, on written notice.\n\n20.2 This Agreement, its Schedules, Exhibit A and all Order Forms constitute the entire agreement between the parties about its subject matter and supersede all prior agreements, proposals and representations. Any amendment must be in writing and signed by authorized representatives of both parties.\n\n20.3 If any provision of this Agreement is held invalid or unenforceable, the remaining provisions continue in full force. A failure or delay in exercising a right is not a waiver of it. The parties are independent contractors, and nothing in this Agreement creates a partnership, agency or joint venture. This Agreement may be executed in counterparts, including by electronic signature.",
        "SCHEDULE 1 - INITIAL ORDER FORM SUMMARY",
        table(["Item", "Facility", "Quantity", "Specification", "Target ready date"], [
            ["Cabinet, 47U, lockable", "DUB-2, Hall C", "6", "Hot-aisle containment, dual A+B feeds", "1 April 2024"],
            ["Power allocation", "DUB-2, Hall C", "6", "6 kW per cabinet, 2 x 32A 230V per cabinet", "1 April 2024"],
            ["Cabinet, 47U, lockable", "FRA-1, Suite 3", "4", "Cold-aisle containment, dual A+B feeds", "15 May 2024"],
            ["Power allocation", "FRA-1, Suite 3", "4", "5 kW per cabinet, 2 x 16A 400V per cabinet", "15 May 2024"],
            ["Cross-Connect, single-mode fibre", "DUB-2", "8", "To carriers in meet-me room MMR-1", "1 April 2024"],
            ["Cross-Connect, single-mode fibre", "FRA-1", "6", "To carriers in meet-me room MMR-B", "15 May 2024"],
            ["Managed interconnect DUB-2 to FRA-1", "Both", "2", "2 x 10 Gbps diverse wavelengths", "15 May 2024"],
            ["Remote Hands block", "Both", "1", "20 hours per month, unused hours do not roll over", "1 April 2024"],
        ]),
        "SCHEDULE 2 - SERVICE LEVELS",
        "Power availability is measured per cabinet, per power feed pair. A power outage occurs when both the A and B feeds to a cabinet are unavailable at the same time. Environmental measurements are taken at the cold-aisle intake of each Customer cabinet at 1.2 metres above the floor.",
        table(["Service", "Target", "Measurement", "Service Credit"], [
            ["Power availability (A+B feeds)", "100%", "Monthly, per cabinet", "5% of cabinet MRC per 10 minutes of outage, up to 50%"],
            ["Temperature at intake", "18 to 27 degrees C", "Continuous, 5-minute averages", "3% of cabinet MRC per hour outside range"],
            ["Relative humidity at intake", "20% to 80%", "Continuous, 5-minute averages", "2% of cabinet MRC per hour outside range"],
            ["Cross-Connect availability", "99.99%", "Monthly, per Cross-Connect", "10% of Cross-Connect MRC per hour of outage"],
            ["Managed interconnect availability", "99.95%", "Monthly, per wavelength", "10% of interconnect MRC per full hour below target"],
            ["Remote Hands response, urgent", "Start within 30 minutes", "Per request", "1 free Remote Hands hour per missed request"],
            ["Remote Hands response, standard", "Start within 4 hours", "Per request", "1 free Remote Hands hour per missed request"],
            ["Cross-Connect installation", "5 business days", "Per order", "Installation fee waived if missed"],
        ]),
        "SCHEDULE 3 - FEES",
        "All Fees are in euros and exclude VAT. Monthly recurring Fees (MRC) apply from the Service Start Date. Power is charged on the allocated kilowatts, not on metered consumption, except as stated for the variable energy component below.",
        table(["Service", "Non-recurring fee", "Monthly recurring fee"], [
            ["Cabinet, 47U, DUB-2", "EUR 750 per cabinet", "EUR 1,150 per cabinet"],
            ["Cabinet, 47U, FRA-1", "EUR 800 per cabinet", "EUR 1,240 per cabinet"],
            ["Power, DUB-2", "-", "EUR 185 per allocated kW"],
            ["Power, FRA-1", "-", "EUR 205 per allocated kW"],
            ["Additional power above allocation", "EUR 300 per cabinet", "As above, per additional kW"],
            ["Cross-Connect, single-mode fibre", "EUR 350", "EUR 95"],
            ["Managed interconnect, 10 Gbps wavelength", "EUR 2,500", "EUR 3,400"],
            ["Remote Hands block, 20 hours", "-", "EUR 1,600"],
            ["Remote Hands outside block", "-", "EUR 110 per hour, minimum 30 minutes"],
            ["Storage of deliveries beyond free period", "-", "EUR 25 per pallet per week"],
        ]),
        "Variable energy component. The power Fees above include energy at a reference price of EUR 0.21 per kWh. Provider may adjust the power Fees quarterly, up or down, in proportion to the difference between its actual average wholesale energy cost for the previous quarter and the reference price, with at least 30 days' notice and supporting calculations. Adjustments under this paragraph are not subject to the cap in clause 6.4.",
        "Agreed and signed by the authorized representatives of the parties on the dates below.\n\nFor Corvane Data Centers Ltd.: Siobhan Kearney, Chief Commercial Officer, 29 January 2024\n\nFor Tallyboard, Inc.: Marcus Whitfield, Vice President of Infrastructure, 1 February 2024",
    ]
    return {
        "tag": "contract",
        "text": join(blocks),
        "question": "How much prior written notice must either party give to terminate the Agreement for convenience?",
        "answer": "120 days",
        "quote": quote,
    }

@builder
def runbook_payouts():
    rng = random.Random(202)
    quote = ("Open a thread in #pay-recon-bridge and coordinate the mismatch there, because that "
             "channel is the one Finance Operations and the payments on-call both watch during "
             "reconciliation.")
    alerts = [
        ("PayoutBatchNotCreated", "critical", "No payout batch was created by 06:15 UTC for a banking day.", "Check the scheduler job payout-batch-builder and its last run in the job console; see Procedure 2."),
        ("PayoutBatchStuckSubmitting", "critical", "A batch has been in SUBMITTING for more than 20 minutes.", "Check the bank connector health page and the connector logs for the batch ID; see Procedure 3."),
        ("BankFileRejected", "critical", "The partner bank returned a rejection file for a submitted batch.", "Download the rejection file from the connector and follow Procedure 4."),
        ("PayoutReturnRateHigh", "warning", "More than 0.5% of payouts in the last 24 hours were returned by receiving banks.", "Group returns by return code and receiving bank; see Procedure 5."),
        ("LedgerBalanceDrift", "critical", "The sum of merchant balances differs from the ledger control account by more than USD 1.", "Freeze batch creation and follow Procedure 7."),
        ("SettlementFileLate", "warning", "The card processor settlement file has not arrived by 04:30 UTC.", "Check the SFTP inbox and the processor status page; batches will wait automatically."),
        ("SettlementFileParseErrors", "warning", "More than 10 rows of the settlement file failed to parse.", "Inspect the quarantined rows in the settlement-import dashboard; do not edit the file by hand."),
        ("PayoutHoldQueueGrowing", "warning", "More than 400 payouts are held for review.", "Notify Risk in their queue channel; holds are a Risk decision, not an on-call decision."),
        ("InstantPayoutErrorRate", "critical", "More than 2% of instant payouts failed in 15 minutes.", "Check the push-to-card provider status and error codes; consider disabling instant payouts with the feature flag."),
        ("WebhookPayoutPaidLag", "warning", "payout.paid webhooks are more than 30 minutes behind the ledger.", "Check the webhook dispatcher backlog; merchants rely on these to reconcile."),
        ("BankConnectorCertExpiry", "warning", "The mutual TLS certificate for a bank connector expires in under 21 days.", "Open a change ticket and follow the certificate rotation guide; do not rotate during a batch window."),
        ("FXRateStale", "warning", "The FX rate used for cross-currency payouts is older than 2 hours.", "Check the rates provider job; cross-currency batches pause automatically after 4 hours."),
        ("NegativeMerchantBalance", "warning", "A merchant balance has been negative for more than 3 banking days.", "Hand to Risk and Finance Operations; do not adjust balances."),
        ("PayoutDuplicateSuspected", "critical", "Two payouts with the same merchant, amount and value date were created in one batch.", "Pull the batch before submission if it is still in READY; see Procedure 6."),
    ]
    alert_blocks = []
    for name, sev, meaning, action in alerts:
        alert_blocks.append(f"{name} ({sev})\nFires when: {meaning}\nFirst response: {action}")
    contacts = names(rng, 6)
    blocks = [
        "Tallyboard Pay — Payout Pipeline Runbook\nOwner: Payments Platform team · Reviewed quarterly · Classification: internal",
        "This runbook is for the engineer on the payments on-call rotation. It covers the daily payout pipeline that moves money from Tallyboard Pay merchant balances to merchants' bank accounts: how the pipeline works, what each alert means, and step-by-step procedures for the failures we have seen in production. It does not cover card acceptance (see the Acquiring Runbook) or disputes (see the Disputes Runbook).",
        "If you are here because something is on fire: first, acknowledge the page. Second, check whether today's batch has already been submitted to the bank; most of the dangerous mistakes in this runbook are only dangerous after submission. Third, post in #inc-pay-payouts that you are looking. You can always come back and read the background later.",
        "1. How the pipeline works",
        "Every banking day, the pipeline runs in four stages. Settlement import (04:00–05:00 UTC) reads the card processor's settlement file and credits each merchant's available balance in the ledger for the card payments that settled. Batch building (06:00 UTC) selects every merchant whose payout schedule is due, takes their available balance minus any reserve, and writes one payout per merchant into a new batch in state READY. Submission (07:00 UTC for USD, 08:30 UTC for EUR and GBP) turns the batch into bank files, signs them, and sends them to the partner bank through the bank connector; the batch moves to SUBMITTING and then SUBMITTED when the bank acknowledges the file. Confirmation happens over the rest of the day as the bank sends status files: payouts move to PAID, RETURNED or FAILED, and each change emits a webhook to the merchant.",
        "The ledger is the source of truth for money. Every stage writes double-entry ledger transactions, and the batch tables are views over those transactions plus some state. Never fix a problem by editing the batch tables directly: the next ledger reconciliation will undo your change or, worse, flag a drift that someone else will have to explain to Finance.",
        "Payout schedules are daily, weekly (Monday) or monthly (first banking day). New merchants start on a 7-day rolling delay for their first 30 days, after which Risk usually moves them to a 2-day rolling delay. Instant payouts are separate: they go through a push-to-card provider within minutes and are not part of the daily batch, but they draw on the same ledger balance.",
        "Banking days follow the calendar of the partner bank for each currency. On a bank holiday the scheduler skips batch building for that currency and the next batch includes everything that became due. See Procedure 8 for how to check the calendar.",
        "2. Dashboards and tools",
        bullets([
            "Payout pipeline dashboard: stage timings, batch states, counts and totals per currency for the last 14 days.",
            "Job console: scheduler history for payout-batch-builder, settlement-import, batch-submitter and status-file-poller, with logs per run.",
            "Bank connector health page: certificate expiry, last successful file exchange per bank, and open rejection files.",
            "Ledger explorer: read-only view of ledger accounts and transactions. Write access is restricted to the ledger-operators group and requires a second approver.",
            "Settlement-import dashboard: parsed and quarantined rows per settlement file.",
            "payctl: the command-line tool for pipeline operations. Every payctl command that changes state asks for an incident or change ticket ID and records it in the audit log.",
        ]),
        "Payout states. A payout is created READY inside a batch. It becomes SUBMITTED with its batch, then PAID when the bank status file confirms the credit, RETURNED if the receiving bank sends it back, or FAILED if the partner bank could not process it at all. EXCLUDED means an engineer or Risk removed it from its batch before submission; its amount stays in the merchant's available balance and it is picked up by the next batch unless a hold is placed. HELD payouts are waiting for a Risk decision and are never submitted automatically.",
        "Ledger accounts you will see. Each merchant has an available balance account, a pending balance account for card payments that have not settled yet, and a reserve account. Tallyboard Pay has a control account per currency, a fees account, a returns suspense account for money coming back from receiving banks, and a losses account that only Finance Operations books to. A healthy payout moves money from the merchant's available balance account to the control account when the batch is built, and the bank later moves the same amount out of the settlement account; reconciliation checks that those two sides agree.",
        "Access. On-call engineers need the payments-oncall role, which gives read access to the ledger explorer and the connector health page, and payctl access for batch, connector, freeze and calendar commands. Correcting ledger transactions need the ledger-operators role plus a second approver. Access is reviewed every quarter; if you join the rotation, ask your manager to request both roles at least a week before your first shift, because the request needs approval from Finance Operations.",
        "3. Severity and paging",
        "The pipeline uses the company incident severities. SEV1: payouts for many merchants will be late or wrong and money may be at risk (for example a duplicate batch submitted, or ledger drift above USD 1,000). SEV2: payouts for a currency will miss their value date but no money is at risk. SEV3: a small number of payouts are affected, or a warning alert needs work within the business day. SEV1 and SEV2 are declared in #inc-pay-payouts with the /incident command, which also pages the incident commander rotation. SEV3 work is tracked in the Payments Platform queue and discussed in #pay-oncall.",
        "Paging: the primary on-call is paged by alerts. If the primary has not acknowledged after 10 minutes, the secondary is paged; after 20 minutes, the Payments Platform engineering manager is paged. For SEV1, also page the Finance Operations duty lead; they decide what to tell the partner bank and they own any manual payments.",
        "4. Alert catalogue",
        "Each alert below links from the page to this section. Severity is the alert severity, not the incident severity; a critical alert does not automatically mean a SEV1.",
    ] + alert_blocks + [
        "5. Past incidents worth knowing about",
        "The procedures below exist because of specific incidents. Knowing the stories makes it easier to recognise the next one early, so here are the four that shaped this runbook most.",
        "The March 2023 double batch. A database failover happened while payout-batch-builder was writing a USD batch. The job was retried by hand, and at the time the builder was not idempotent, so two READY batches existed for the same day. The second one was submitted forty minutes after the first. About 1,900 merchants received their payout twice. Finance Operations recovered most of the money through recalls and the rest through balance offsets over the following weeks, which was slow and unpleasant for everyone, including the merchants who had already spent the money. The fixes were the idempotency key on currency and date, the PayoutDuplicateSuspected alert, and the rule that nobody rebuilds a batch after SUBMITTING.",
        "The August 2023 certificate expiry. The mutual TLS certificate for the EUR connector expired on a Saturday. Nothing alerted because the monitoring checked the certificate of the bank's server, not ours. EUR and GBP batches failed on Monday morning with a handshake error that looked like a network problem, and two engineers spent an hour on the wrong theory. Payouts went out a day late. The fix was BankConnectorCertExpiry, which checks both sides, and a rotation guide that keeps rotations out of batch windows.",
        "The January 2024 settlement re-import. A settlement file arrived with a truncated last line. The import quarantined the row, someone fixed the file by hand and re-imported the whole file, and the import booked every other row a second time. Merchant balances went up by about USD 212,000 that should not have been there. The drift alert fired within the hour and batch building was frozen before any of the extra money was paid out. This is why the settlement-import dashboard now has a 'replay quarantined rows' action and why re-importing a whole file is blocked unless the previous import is rolled back first.",
        "The June 2024 webhook lag. A slow database query in the webhook dispatcher made payout.paid webhooks arrive up to six hours late. Payouts were fine, but merchants who reconcile from webhooks thought they had not been paid, and support received several hundred tickets before lunch. The lesson for on-call: a problem that does not move money can still be urgent, and the customer-facing status page matters.",
        "The October 2024 stale FX rate. The rates provider changed its API authentication without notice and our rates job kept failing quietly while serving the last good rate from cache. Cross-currency payouts for merchants paid in GBP from USD balances used a rate that was almost two days old. The amounts were small, but Finance Operations had to book the difference for 317 payouts by hand. FXRateStale now fires after 2 hours, and cross-currency batches pause by themselves after 4 hours instead of carrying on with an old rate. If you see this alert, check the rates job first; pausing cross-currency batches is safer than guessing.",
        "6. Communicating during payout problems",
        "Merchants care about one thing: when will the money be in their bank account. Status page updates must say which currencies are affected, whether payouts are delayed or stopped, and when the next update will be posted. Never put a time on when payouts will arrive unless Finance Operations has confirmed it with the bank. The status page is updated by the incident commander or the communications lead, not by the on-call engineer; your job is to give them accurate facts in the incident channel.",
        "Support has macros for delayed payouts. When a SEV1 or SEV2 affects payouts, tell the support lead on duty which macro applies and which merchant segments are affected, so that support staff can answer tickets consistently. If only a handful of merchants are affected, Support will contact them individually; give them the list of merchant IDs through the Payments Platform queue, never in a public channel.",
        "7. Handover",
        "The rotation changes on Tuesday at 10:00 UTC, after the morning batches have been submitted. At handover, the outgoing engineer writes a short note in #pay-oncall covering: open incidents and tickets, any active freezes and why, any payouts in the hold queue that are waiting on engineering rather than Risk, certificates expiring in the next three weeks, and anything unusual in the last week's return rates. The incoming engineer acknowledges the note and checks that they can log in to payctl and the ledger explorer before the outgoing engineer signs off. If either of them cannot, the outgoing engineer stays on the rotation until access is fixed, and the engineering manager is told the same day so that the schedule can be corrected.",
        "8. Procedures",
        "Procedure 1: Before you change anything",
        "Confirm the batch ID, currency and state from the pipeline dashboard. Confirm whether the bank has acknowledged the file. Write down what you are about to do in the incident channel or ticket before you do it. If a step in this runbook says 'with a second approver', the approver must be another engineer from the ledger-operators group or the Finance Operations duty lead, and they must approve in payctl, not in chat.",
        "Procedure 2: Batch not created",
        "Check the job console for payout-batch-builder. If the job did not start, check whether today is a bank holiday for the currency (Procedure 8); if it is, resolve the alert. If the job failed, read the last 200 lines of its log. The most common causes are a settlement import that has not finished (the builder waits for it for up to 45 minutes, then fails) and a database failover during the run. Once the cause is fixed, rerun with `payctl batch build --currency <CUR> --date <YYYY-MM-DD>`. The command is idempotent for a given currency and date: it will not create a second batch if one exists in any state.",
        "If the batch cannot be built before the submission cut-off for the currency, declare a SEV2. Finance Operations will decide whether to ask the partner bank for a late submission window; do not contact the bank yourself.",
        "Procedure 3: Batch stuck in SUBMITTING",
        "A batch in SUBMITTING has been signed and handed to the connector but not acknowledged by the bank. Check the connector health page. If the connector shows the file as delivered, the bank has it and you must not resubmit; wait for the acknowledgement and ask Finance Operations to confirm receipt with the bank if more than an hour passes. If the connector shows a transport error, run `payctl connector retry --batch <ID>`, which resends the same signed file with the same file reference; the bank deduplicates on that reference. Never use `payctl batch rebuild` on a batch that reached SUBMITTING.",
        "Procedure 4: Bank file rejected",
        "A rejection file means the bank did not accept the batch, so no payouts in it were sent. Download the rejection file and read the reason code. Formatting and validation errors usually come from one bad row, such as an invalid IBAN that passed our checks or a merchant name with characters the bank does not accept. Use `payctl batch exclude --batch <ID> --payout <PAYOUT_ID>` to move the bad payout to the hold queue, then `payctl batch rebuild --batch <ID>` to produce a new file. A rebuild after a rejection is safe because the bank never accepted the original. If the rejection is for a signing or certificate error, stop and escalate to the secondary; this usually means the certificate rotation went wrong.",
        "Procedure 5: High return rate",
        "Returns happen when a receiving bank sends a payout back, most often because the account was closed or the name does not match. A few returns a day are normal. When the rate alert fires, group the returns by return code and by receiving bank in the returns report. Many returns from one receiving bank on one day usually means a problem at that bank, and Finance Operations should hear about it. Many 'account closed' returns spread across banks may mean fraud, and Risk should hear about it in their queue channel. Returned funds go back to the merchant's balance automatically once the return is booked; do not re-send returned payouts by hand.",
        "Procedure 6: Suspected duplicate payout",
        "If the batch is still READY, exclude the suspected duplicate with `payctl batch exclude` and record the batch and payout IDs in the ticket. If the batch is SUBMITTING or SUBMITTED, declare a SEV1 immediately, page the Finance Operations duty lead, and do nothing else to the batch. Finance Operations will ask the bank for a recall. Recalls are not guaranteed, so speed matters more than diagnosis in the first 30 minutes.",
        "Procedure 7: Reconciliation mismatch",
        "Every hour, and before each batch build, the ledger reconciliation job compares the sum of all merchant balance accounts with the Tallyboard Pay control account and with the bank's reported position for the settlement account. A mismatch above USD 1 raises LedgerBalanceDrift; a mismatch above USD 1,000 is a SEV1 by itself.",
        "When the mismatch alert fires, freeze batch building with `payctl freeze --scope batch-build --reason <ticket>`. A freeze stops new batches for every currency but does not affect batches already submitted or instant payouts. " + quote + " The incident channel #inc-pay-payouts is still used if the mismatch turns into a declared incident, but the line-by-line investigation stays in the reconciliation thread so the incident channel stays readable.",
        "Work from the reconciliation report, which lists the accounts that contributed to the difference and the transactions booked since the last clean run. In our experience the causes are, in order of frequency: a settlement file row booked twice after a manual re-import; a refund or dispute debit booked to the merchant but not to the control account because of a failed deploy halfway through a transaction handler; and a late bank fee booked by Finance Operations to the settlement account without the matching ledger entry. Each cause has a correcting transaction template in payctl. Correcting transactions always need a second approver.",
        "When the reconciliation job reports a clean run, lift the freeze with `payctl unfreeze --scope batch-build`. If the freeze delayed batch building past the cut-off for any currency, follow the late-submission part of Procedure 2.",
        "Procedure 8: Bank holidays",
        "The banking calendars live in the payouts-calendar repository and are loaded at deploy time. To check a date, run `payctl calendar show --currency <CUR> --from <date> --days 14`. Finance Operations updates the calendar each December for the following year and whenever a bank announces an unscheduled closure. If the calendar is wrong, do not edit it during an incident; exclude the affected currency with a freeze and open a change ticket.",
        "9. Contacts",
        table(["Role", "Primary contact", "How to reach"], [
            ["Payments Platform engineering manager", contacts[0], "Paged after 20 minutes without acknowledgement"],
            ["Finance Operations duty lead", contacts[1], "Paging rotation finance-ops-duty"],
            ["Risk on duty", contacts[2], "Risk queue channel, or page risk-duty for SEV1"],
            ["Bank relationship manager (internal)", contacts[3], "Via Finance Operations only"],
            ["Ledger-operators group lead", contacts[4], "#pay-oncall, or page for second approvals out of hours"],
            ["Incident commander rotation", "Rotating", "Paged automatically by /incident"],
        ]),
        "10. Glossary",
        bullets([
            "Available balance: money a merchant can be paid out, after settlement and minus reserves.",
            "Reserve: an amount Risk holds back from a merchant's balance to cover possible refunds and disputes.",
            "Value date: the date the merchant's bank is expected to credit the payout.",
            "Return: a payout sent back by the receiving bank after it was accepted by our partner bank.",
            "Recall: a request to the partner bank to retrieve a payout that should not have been sent.",
            "Control account: the ledger account that mirrors Tallyboard Pay's position at the partner bank.",
        ]),
        "11. Revision history",
        table(["Date", "Change", "Author"], [
            ["2024-02-06", "Added instant payout alert and feature-flag guidance", contacts[4]],
            ["2024-05-14", "Split reconciliation into its own procedure; added correcting transaction templates", contacts[5]],
            ["2024-09-03", "Updated submission times after the EUR cut-off change", contacts[0]],
            ["2025-01-21", "Quarterly review: clarified freeze scope and second-approver rules", contacts[5]],
        ]),
        "Questions about this runbook go to the Payments Platform team in #pay-oncall. If a procedure here was wrong or missing during an incident, add that to the incident review so the next on-call engineer does not have to rediscover it.",
    ]
    return {
        "tag": "runbook",
        "text": join(blocks),
        "question": "In which Slack channel should the on-call engineer coordinate a ledger reconciliation mismatch?",
        "answer": "#pay-recon-bridge",
        "quote": quote,
    }

@builder
def board_minutes():
    rng = random.Random(303)
    quote = ("Upon motion duly made and seconded, the Board unanimously appointed Miriam Okafor as "
             "chair of the Audit Committee, effective immediately, to serve until her successor is appointed.")
    grantees = names(rng, 18, exclude=("Miriam Okafor",))
    roles = ["Senior Software Engineer", "Staff Engineer", "Product Designer", "Account Executive",
             "Customer Success Manager", "Engineering Manager", "Data Analyst", "Support Team Lead",
             "Hardware Quality Engineer", "Security Engineer", "Product Manager", "Solutions Engineer",
             "Payments Risk Analyst", "Technical Writer", "Site Reliability Engineer", "Recruiter",
             "Finance Manager", "Marketing Manager"]
    grant_rows = []
    for i, (who, role) in enumerate(zip(grantees, roles)):
        shares = rng.choice([4000, 6000, 8000, 10000, 12000, 15000, 20000, 25000])
        grant_rows.append([who, role, f"{shares:,}", rng.choice(["New hire", "New hire", "Promotion", "Refresh"]),
                           "4 years, 1-year cliff" if i % 5 else "4 years, monthly"])
    blocks = [
        "TALLYBOARD, INC.\nMINUTES OF A REGULAR MEETING OF THE BOARD OF DIRECTORS\nHeld on 17 October 2024 at 9:00 a.m. Pacific Time at the offices of the Company, 410 SW Morrison Street, Portland, Oregon, and by video conference",
        "Directors present: Hannah Lindqvist (Chair), Rafael Moreno (Chief Executive Officer), Miriam Okafor, Theo Van Dijk, Sunita Rao and Graham Pell. Director absent: none.\n\nAlso present by invitation: Joanna Wexley (Chief Financial Officer), Kwame Asante (Chief Product Officer), Lucía Ferraz (General Counsel and Secretary of the meeting), Dmitri Sokolov (Vice President, Payments) for agenda item 5, and Petra Halvorsen (Vice President, Hardware and Store) for agenda item 6. Representatives of the Company's outside counsel, Whitcombe Lane LLP, attended for agenda items 10 and 11.",
        "1. Call to order and quorum",
        "Ms. Lindqvist called the meeting to order at 9:04 a.m. and Ms. Ferraz recorded the minutes. Ms. Ferraz confirmed that notice of the meeting had been given to all directors in accordance with the Bylaws and that a quorum was present throughout the meeting. The board materials had been circulated through the board portal on 10 October 2024.",
        "2. Approval of prior minutes",
        "The Board reviewed the draft minutes of the regular meeting held on 18 July 2024 and of the special meeting held by video conference on 22 August 2024 to approve the revised Tallyboard Pay reserve policy. Mr. Van Dijk noted that the August minutes should record that he had joined the call after the start of the discussion. With that correction, upon motion duly made and seconded, the minutes of both meetings were approved.",
        "3. Chief Executive Officer's report",
        "Mr. Moreno summarised the quarter. Annual recurring revenue at 30 September was $61.8 million, up 34% year on year and ahead of the operating plan of $60.5 million. Net revenue retention for the trailing twelve months was 112%, compared with 109% a year earlier, driven mainly by seat expansion in mid-market accounts and by customers adopting Tallyboard Pay. Gross logo churn in the Starter plan remained higher than the Company would like, at 2.9% per month, and Mr. Moreno said the product team would present a retention plan at the January meeting.",
        "Mr. Moreno highlighted three priorities for the fourth quarter: completing the migration of European customers to the Frankfurt and Dublin infrastructure, launching the second-generation Tap card reader in the United Kingdom and Ireland, and closing the first ten customers on the new Enterprise tier with annual contracts above $150,000. He reported that four such contracts had been signed in the quarter and that the pipeline for the fourth quarter contained nineteen qualified opportunities.",
        "Directors asked about the competitive landscape. Mr. Moreno said that the two largest competitors had both announced embedded payments in the quarter, which validated the Company's strategy but would put pressure on Tallyboard Pay pricing for larger merchants. Ms. Rao asked whether the Company had lost deals on payments pricing; Mr. Moreno said that sales had recorded three such losses in the quarter, all with merchants processing more than $5 million a year, and that management was preparing a volume pricing proposal for the Board's review.",
        "4. Financial report",
        "Ms. Wexley presented the financial report. Revenue for the quarter was $15.1 million, of which subscription revenue was $12.9 million, Tallyboard Pay net revenue was $1.7 million and Store revenue was $0.5 million. Gross margin was 76%, two points lower than the prior quarter, reflecting the cost of running duplicate infrastructure during the European migration and lower margins on Tap reader sales during the launch promotion. Operating expenses were $14.6 million, $0.4 million below plan, mainly because of slower hiring in go-to-market roles.",
        "Net cash used in the quarter was $3.2 million, and cash and short-term investments at 30 September were $48.7 million. Ms. Wexley said that on the current plan the Company would reach cash-flow breakeven in the third quarter of 2026 without additional financing. She reviewed the sensitivity analysis in the board materials: a 10% shortfall in new bookings would move breakeven out by approximately two quarters, while a delay in the European migration would affect margin but not the breakeven quarter.",
        "Ms. Wexley reported that the audit of the 2023 financial statements had been completed by Harrow & Finch LLP with an unqualified opinion, and that the auditors had reported two control deficiencies, neither of them significant: one related to user access reviews for the billing system and one related to the documentation of manual journal entries. Management had remediated the first and expected to remediate the second by year end. Ms. Okafor, who had reviewed the auditors' letter in detail, asked that the remediation status be reported at the January meeting.",
        "The Board discussed the proposed 2025 operating plan framework, which would be presented in full at the December meeting. Directors asked management to include a scenario in which Tallyboard Pay take rates for merchants above $5 million fall by 40 basis points, and a scenario in which the Company pauses Store hardware expansion outside North America and the British Isles.",
        "5. Tallyboard Pay",
        "Mr. Sokolov joined the meeting. He reported that total payment volume processed through Tallyboard Pay in the quarter was $412 million, up 58% on the prior quarter, across 11,240 active merchants. The blended take rate net of interchange and scheme fees was 0.41%. Dispute rates remained well inside card scheme thresholds at 0.18% of transactions. Losses from fraud and merchant insolvency were $96,000 for the quarter, below the budget of $150,000.",
        "Mr. Sokolov described the payout delay of 9 September, when a failed certificate rotation caused EUR and GBP payouts to be submitted one banking day late for approximately 3,100 merchants. No funds were lost. The Company had notified affected merchants, and the partner bank had confirmed that no regulatory reporting was required. The Board asked whether the incident had been caused by a process failure or a tooling failure; Mr. Sokolov said it was both and described the changes made to certificate monitoring and to the scheduling of rotations outside batch windows.",
        "Mr. Sokolov then presented the proposal to apply for an electronic money institution licence in Ireland, which would allow the Company to hold European merchant funds directly instead of through its partner bank. He estimated the cost of the application and the first year of compliance operations at $2.3 million and the timeline at eighteen to twenty-four months. Directors discussed the capital requirements, the management time involved and the alternative of expanding the partner bank relationship. The Board asked management to return in January with a recommendation and did not take any action on the proposal at this meeting.",
        "Mr. Sokolov also previewed the volume pricing proposal mentioned in the Chief Executive Officer's report. Under the draft proposal, merchants processing more than $5 million a year would move from the standard rate to an interchange-plus price, and merchants above $20 million would be priced individually with approval from the Chief Financial Officer. Management estimated that the proposal would reduce Tallyboard Pay net revenue by about $0.6 million in 2025 if applied to existing merchants, but would recover most of the losses recorded in the quarter. Directors asked for an analysis of how many existing merchants would choose to switch. Mr. Sokolov left the meeting.",
        "6. Hardware and Store",
        "Ms. Halvorsen joined the meeting. She reported that Store revenue for the quarter was $0.5 million, with 6,850 Tap readers and 2,410 Tap Docks shipped. The second-generation Tap reader had completed certification with the card schemes in August and entered mass production at the contract manufacturer in September. The first production lot of 4,000 units had passed incoming inspection with a defect rate of 0.4%, below the contractual limit.",
        "Ms. Halvorsen reported on the battery swelling complaints received in July for a small number of first-generation readers. Engineering had traced the issue to a single lot of battery cells from one supplier. The Company had contacted the owners of all 1,160 readers from that lot, offered free replacements, and reported the matter to the relevant product safety authorities in the United States and the United Kingdom, which had not required a recall. Twenty-two readers had been returned with visible swelling and none had caused injury or property damage. Mr. Pell asked whether the Company carried adequate product liability insurance for the larger installed base planned for 2025; Ms. Ferraz confirmed that the policy limit had been increased to $10 million at the August renewal.",
        "The Board discussed whether hardware remained strategic. Ms. Halvorsen presented data showing that merchants who used a Tap reader processed 2.7 times more Tallyboard Pay volume than merchants who only took online payments, and that their subscription churn was roughly half. Directors agreed that the Store should continue to be managed for merchant acquisition and retention rather than for standalone profit, and asked that future reports show hardware contribution margin separately. Ms. Halvorsen left the meeting.",
        "7. Product and engineering",
        "Mr. Asante presented the product update. The recurring invoices redesign had entered private beta with 140 customers, the new resource planning view had shipped to all Pro customers, and the mobile apps had added offline time tracking. He reported that availability of the core web application for the quarter was 99.97%, against a target of 99.95%, and that there had been one customer-facing incident of more than one hour, a delay in sending invoice emails on 2 August.",
        "Mr. Asante described the accessibility programme. An external audit in June had found that the invoice editor and the Gantt chart did not meet WCAG 2.1 AA in several respects, particularly for keyboard and screen reader users. The Company had committed to a remediation plan, and the work on the invoice editor would be completed in November. Ms. Rao asked that the Board receive the results of the follow-up audit when available.",
        "8. People",
        "Mr. Moreno reported that headcount at 30 September was 412, compared with a plan of 431. Voluntary attrition for the trailing twelve months was 11%. The Company had hired a new Vice President of Sales, Caroline Asher, who would start on 4 November, and was recruiting a Chief Information Security Officer following the departure of the previous head of security in August. The results of the October engagement survey would be shared at the December meeting.",
        "9. Go-to-market",
        "Mr. Moreno presented the go-to-market report on behalf of the sales organisation, pending Ms. Asher's arrival. New annual recurring revenue booked in the quarter was $5.9 million, against a plan of $6.3 million. Self-serve sign-ups contributed $2.1 million, slightly ahead of plan, while the sales-assisted mid-market segment fell short by $0.5 million. Mr. Moreno attributed the shortfall to longer security reviews at larger prospects and to two account executive departures in July whose territories had not yet been reassigned.",
        "The Enterprise tier, launched in April, now had eleven customers with an average annual contract value of $174,000. Mr. Van Dijk asked about the terms being offered. Mr. Moreno said that standard Enterprise contracts had a term of one to three years, a 99.9% availability commitment with service credits, and a dedicated account manager, and that pricing exceptions above a 20% discount required approval from the Chief Financial Officer. Mr. Van Dijk asked that future reports list every Enterprise contract with non-standard liability or termination terms.",
        "Directors discussed marketing efficiency. Blended customer acquisition cost payback was 19 months, compared with 17 months a year earlier. Ms. Rao observed that paid search costs had risen faster than conversion and asked management to present the results of the partner and referral programmes, which had lower acquisition costs but were still small. Mr. Moreno said that the accountant partner programme had signed 310 accounting firms, which together had referred 1,480 paying customers in the first nine months of the year.",
        "10. Customers and support",
        "Mr. Asante presented customer experience metrics. Customer satisfaction for support interactions was 91% for the quarter. Median first response time for email tickets was 2 hours and 40 minutes, longer than the target of 2 hours, because ticket volume had risen by 22% after the Tap reader launch promotion. The Company had added live chat on its website in August, which now handled 38% of all support conversations, and was hiring eight additional support specialists in Lisbon and Manila. Ms. Lindqvist asked that the Board see complaint themes, not only volumes, in future reports.",
        "11. European infrastructure migration",
        "Mr. Asante reported that 61% of European customer workspaces had been migrated from the United States region to the new European infrastructure in Dublin and Frankfurt, hosted with Corvane Data Centers under the agreement approved by the Board in January. The remaining workspaces, including all Enterprise customers in the region, would be migrated in November and December during scheduled weekend windows. The cost of running both environments in parallel was $310,000 per month and would end in January 2025.",
        "Mr. Pell asked about the risk of a failed migration for large customers. Mr. Asante described the rehearsal process, in which every Enterprise workspace is migrated to a staging copy and verified by the customer before the production move, and the rollback plan, which had been tested twice. No customer data had been lost in the migrations completed so far.",
        "12. Report of the Audit Committee",
        "Mr. Pell, as chair of the Audit Committee, reported on the committee's meeting of 3 October 2024. The committee had met with Harrow & Finch LLP without management present, reviewed the auditors' letter on control deficiencies, approved the engagement of Harrow & Finch for the 2024 audit at a fee not to exceed $285,000, and reviewed the internal audit plan for 2025, which focuses on revenue recognition for multi-year Enterprise contracts, Tallyboard Pay reserve calculations and inventory controls for Store hardware held at the third-party warehouse in Reno. The committee had also reviewed the whistleblower log, which contained no reports for the quarter.",
        "13. Report of the Compensation Committee",
        "Ms. Rao, as chair of the Compensation Committee, reported that the committee had reviewed the market data prepared by its independent compensation consultant and recommended no changes to executive base salaries until the annual review in February 2025. The committee had approved the offer to Ms. Asher within the ranges previously approved by the Board and had recommended the option grants presented under the equity matters item. The committee would present the proposed 2025 bonus plan, including its Tallyboard Pay and net revenue retention metrics, at the December meeting.",
        "14. Offices and real estate",
        "Ms. Wexley reported on the Company's offices. The lease of the Portland headquarters expires in June 2025. Occupancy data showed that on an average day 31% of desks were used, and management recommended renewing for three years on roughly half of the current floor area, which would reduce rent by approximately $640,000 a year. The Lisbon office, which houses the European support and engineering teams, had reached capacity, and management was negotiating a lease for an additional floor in the same building. Directors supported both recommendations and asked management to bring the final lease terms for approval if the commitment exceeded $2 million.",
        "Mr. Van Dijk asked whether the reduced Portland footprint would be sufficient for hardware testing. Ms. Wexley said that the hardware lab would move to a separate light-industrial unit near the Reno warehouse, which was better suited to battery and drop testing and would let the quality team inspect incoming Store inventory on site. The cost of the unit was included in the 2025 plan framework.",
        "9. Risk, security and compliance",
        "Ms. Ferraz and Mr. Asante presented the quarterly risk report. The Company's SOC 2 Type II report for the period ended 30 June 2024 had been issued without exceptions. The annual penetration test had been completed in September and had identified no critical findings; two high findings had been remediated within the agreed thirty days. The Company had received 41 requests from law enforcement and courts in the quarter, all handled in accordance with its published guidelines.",
        "Ms. Ferraz reviewed the status of the data protection programme for the European migration and the new subprocessors that would be added in the fourth quarter. She reported that no personal data breaches requiring notification to a supervisory authority had occurred in the quarter.",
        "10. Legal matters",
        "Ms. Ferraz and Whitcombe Lane LLP reported on pending legal matters, including a trademark opposition filed by the Company in the European Union and a contract dispute with a former reseller in Australia. The discussion of these matters took place in the presence of counsel for the purpose of obtaining legal advice and is recorded separately in the privileged legal minutes maintained by the Secretary.",
        "11. Committee composition",
        "Ms. Lindqvist reminded the Board that Graham Pell had informed the Board in September that, in view of his appointment as chief financial officer of another company, he wished to step down as chair of the Audit Committee while remaining a member of the Audit Committee and a director. Mr. Pell had chaired the Audit Committee since the Company's Series B financing in 2021, and the Board thanked him for his service, in particular for overseeing the Company's first two financial statement audits.",
        "The Board reviewed the qualifications of the independent directors. Ms. Lindqvist noted that Ms. Okafor is a certified public accountant, had served as chief financial officer of two software companies, and had chaired the audit committee of a publicly listed payments company. Counsel confirmed that Ms. Okafor meets the independence standards set out in the Audit Committee charter. " + quote + " Mr. Pell will remain a member of the Audit Committee, and Mr. Van Dijk will continue as its third member.",
        "The Board also confirmed that the composition of the Compensation Committee (Sunita Rao, chair, and Theo Van Dijk) and of the Nominating and Governance Committee (Hannah Lindqvist, chair, and Sunita Rao) would remain unchanged, and directed the Secretary to update the committee roster on the board portal.",
        "12. Equity matters",
        "The Board reviewed the proposed stock option grants listed in Exhibit A, which had been recommended by the Compensation Committee at its meeting on 9 October 2024. Ms. Wexley confirmed that the exercise price of $7.42 per share was equal to the fair market value of the Company's common stock as determined by the independent valuation as of 30 September 2024. Upon motion duly made and seconded, the Board approved the grants on the terms set out in Exhibit A, with a grant date of 17 October 2024.",
        "Exhibit A - Stock option grants approved on 17 October 2024 (exercise price $7.42 per share)",
        table(["Optionee", "Position", "Shares", "Reason", "Vesting"], grant_rows),
        "13. Executive session",
        "At 12:10 p.m., members of management other than Mr. Moreno left the meeting, and the Board met in executive session with Mr. Moreno. At 12:35 p.m., Mr. Moreno left the meeting and the independent directors met in executive session without management. No actions were taken in executive session.",
        "14. Next meeting",
        "The next regular meeting of the Board will be held on 12 December 2024 at the Company's offices, and will include the review of the 2025 operating plan. A special meeting to consider the volume pricing proposal for Tallyboard Pay may be called in November if management is ready to present it.",
        "15. Adjournment",
        "There being no further business, upon motion duly made and seconded, the meeting was adjourned at 12:58 p.m.",
        "Respectfully submitted,\nLucía Ferraz, Secretary of the meeting\n\nApproved: Hannah Lindqvist, Chair of the Board",
    ]
    number = 0
    for i, block in enumerate(blocks):
        m = re.match(r"^(\d+)\. ([A-Z].*)$", block)
        if m and len(block) < 60:
            number += 1
            blocks[i] = f"{number}. {m.group(2)}"
    return {
        "tag": "minutes",
        "answer_repeats": True,
        "text": join(blocks),
        "question": "Who did the Board appoint as chair of the Audit Committee?",
        "answer": "Miriam Okafor",
        "quote": quote,
    }

@builder
def employee_handbook():
    quote = ("Every employee has a personal learning budget of $1,500 per calendar year, which can be "
             "spent on courses, certifications, books, workshops and conference tickets that help you "
             "grow in your role or prepare for the next one.")
    blocks = [
        "Tallyboard Employee Handbook — 2025 edition\nFor employees of Tallyboard, Inc. and its subsidiaries in the United States, Portugal, Ireland and the Philippines",
        "Welcome",
        "Welcome to Tallyboard. This handbook explains how we work together: the practical things, like how to book time off and get reimbursed for expenses, and the less tangible ones, like how we make decisions and what we expect of each other. It is written for everyone at Tallyboard. Where a policy differs by country, the country supplement for your employing entity takes priority, and we say so in the relevant section.",
        "The handbook is not a contract of employment and does not change the terms of your offer letter or employment agreement. We update it once a year, every January, and occasionally in between when a law or a policy changes. People Operations announces every change in #announcements and keeps a change log at the end of the online version. If something here is unclear or seems out of date, ask in #ask-people-ops; someone will answer within a business day, and if the question is a common one, we will improve the handbook.",
        "1. How we work",
        "Tallyboard makes software that helps small and mid-sized businesses plan their work, track their time and get paid. Most of our customers run businesses of fewer than fifty people: design studios, agencies, contractors, consultants, clinics, repair shops. They are busy, and they trust us with their schedules and their money. Almost everything in this handbook follows from taking that trust seriously.",
        "We write things down. Decisions that affect more than one team are recorded in a short written proposal, discussed asynchronously, and summarised in the decision log. Meetings are for the conversations that writing cannot do well, and every recurring meeting has an owner, an agenda and a reason to exist that is reviewed each quarter. If you are in a meeting that does not need you, you may leave it politely.",
        "We default to open. Channels are public unless they contain personal, customer, legal or security information. Roadmaps, metrics dashboards and board presentations (with confidential sections removed) are available to every employee. The exceptions are compensation of individuals, performance matters, legal advice, and information that we are obliged to keep confidential for customers or partners.",
        "We disagree and commit. Everyone is expected to say what they think before a decision, including to people more senior than them, and everyone is expected to support a decision once it is made, even if they argued against it. If new information shows a decision was wrong, raise it; changing our minds with good reason is a strength, not a failure.",
        "Tools we use. Slack is for conversation, and anything that needs to be found later belongs somewhere else: decisions in the decision log, specifications and proposals in the docs space, tasks in Tallyboard itself. We use Tallyboard to run Tallyboard, including our own projects, time tracking and invoices to resellers, and we file feedback about it in the #dogfood channel like any other customer would. Email is mostly for talking to people outside the company. Video calls use the company conferencing account; record a meeting only with everyone's agreement, and delete recordings after 90 days unless they are training material.",
        "Working with customers. Everyone at Tallyboard spends at least one day a year answering support tickets alongside the support team, and new employees do so in their first two months. It is the fastest way to understand who our customers are and where the product lets them down. When a customer contacts you directly, for example on social media or at an event, do not try to solve account or billing problems yourself; direct them to support, and let the support team know so they can follow up.",
        "Inclusion and accessibility. We want Tallyboard to be a place where people with different backgrounds, identities, abilities and ways of working can do their best work. If you need an adjustment to your equipment, your schedule or the way we run meetings because of a disability or health condition, ask People Operations; you do not need to share a diagnosis, and the request will be handled confidentially. Employee resource groups are open to everyone and have a small annual budget for events and speakers.",
        "Onboarding. Your first week is mostly set up and orientation: accounts, equipment, security training, and meetings with your manager, your onboarding buddy and the people you will work with most. In your first month you will complete the product course, shadow support, and agree your six-month goals. At 30, 60 and 90 days your manager will check in with you specifically about how onboarding is going, and People Operations will send you a short survey. Be honest in it; it is how we improve onboarding for the next person.",
        "2. Employment basics",
        "Employment classification. Your offer letter states whether you are full-time or part-time and, in the United States, whether your role is exempt or non-exempt from overtime rules. Non-exempt employees record their hours in Tallyboard's own time tracking and are paid overtime as required by law; their manager must approve overtime in advance except in an emergency.",
        "Probation. In countries where probationary periods are customary, the length is set by your employment agreement: 90 days in the United States and Ireland, 180 days in Portugal for most roles, and six months in the Philippines. During probation, you and your manager meet at least every two weeks, and your manager writes a short review at the end. Probation does not limit any benefit described in this handbook unless the section says so.",
        "Background checks and right to work. Offers are conditional on confirming your right to work in the country of employment and, for roles with access to payment systems or customer financial data, on a background check carried out by a third party in accordance with local law. You will be told in advance what the check includes and can see the results.",
        "Outside work. You may take on outside work, including freelancing and open source projects, as long as it does not compete with Tallyboard, does not use company time, equipment or confidential information, and does not create a conflict of interest. Tell your manager and People Operations in writing before you start any paid outside work; most requests are approved within a week.",
        "3. Where and when we work",
        "Remote-first. Tallyboard is a remote-first company. You can work from home, from one of our offices in Portland, Lisbon or Manila, or from a coworking space. Your home base must be in a country and, in the United States, a state where Tallyboard can employ people; the current list is on the intranet. Working from another country for more than 30 days in a calendar year needs approval from People Operations in advance, because it can create tax and immigration obligations for you and for us.",
        "Core hours. Each team agrees on at least three hours of overlap per working day, published in the team's page on the intranet. Outside core hours, work when you work best, as long as your team can rely on you and customers are not kept waiting. Support, on-call and Store operations roles have schedules set by their managers.",
        "On-call. Engineers on an on-call rotation receive an on-call allowance per week on call, set in the country supplement, and time off in lieu for any night or weekend hours worked during an incident. Nobody should be on call more than one week in four without their agreement.",
        "Offices. The offices are open from 7:00 to 20:00 local time on working days. Desks are not assigned; book one in the office app if you plan to come in. Guests must be registered in the office app before they arrive and accompanied at all times. Our Portland office also houses the Store returns bench; please do not borrow Tap readers or docks from it, even for a demo.",
        "4. Equipment",
        "Laptops. Every employee receives a company laptop, chosen by IT based on the role. Laptops are replaced every three years, or sooner if they fail. Company laptops are managed devices: IT installs security software, requires full-disk encryption, and can lock or wipe them remotely. Do not install software that IT has not approved on a company laptop; the approved list is in the IT portal, and requests for new software are usually answered within two business days.",
        "Home office setup. When you join, you can spend up to $750 (or the local equivalent shown in the country supplement) on a desk, chair, monitor, headset or other equipment for your home workspace. This is a one-time allowance; it does not reset. Items bought with it belong to you. Buy what you need, keep the receipts, and claim them through the expenses tool within 90 days of your start date.",
        "Phone and internet. If you work remotely most of the time, Tallyboard contributes $50 per month (or the local equivalent) towards your home internet and mobile phone costs, paid through payroll. You do not need to submit receipts for this contribution. Roles that require a company phone, such as on-call engineering and Store operations leads, receive one from IT instead.",
        "Lost or stolen equipment. Report a lost or stolen laptop or phone to IT through the #it-help channel, or by email if you cannot reach Slack, as soon as you notice. You will not be blamed for reporting late, but every hour matters for protecting customer data.",
        "5. Expenses and travel",
        "Spend company money as if it were your own, with the company's interests in mind. Expenses must be necessary for your work, reasonable in amount, approved by your manager before you spend if they exceed $250, and claimed within 60 days with an itemised receipt. Claims are reimbursed in the next payroll run after approval.",
        "Travel. Book flights and hotels through the travel tool so that we know where people are in an emergency. Economy class is the default for flights; premium economy is allowed for flights longer than eight hours. Hotels should be within the city limits in the travel tool, which are set per city. Meals while travelling are reimbursed up to the daily limits in the country supplement; alcohol is not reimbursed except at team events approved by a director.",
        "Team events. Each team has an annual budget for team events of $120 per person, held by the team's manager. Company-wide events, such as the annual all-hands gathering, are organised and paid for centrally.",
        "Corporate cards. Managers, and employees who travel often, can request a corporate card. Corporate cards are for business expenses only. Receipts must be uploaded to the expenses tool within 30 days; cards with receipts missing for more than 60 days are suspended.",
        "6. Pay",
        "We pay salaries monthly in Portugal, Ireland and the Philippines, and twice a month in the United States. Salary bands for every role and level are published on the intranet, with the location factors that apply. We review salaries once a year, in February, based on market data, your level and your performance; off-cycle adjustments happen for promotions and, rarely, for significant market changes.",
        "Equity. Most full-time employees receive stock options when they join, with a four-year vesting schedule. The details of each grant are in your grant notice and the equity plan documents. People Operations runs an equity education session every quarter; it is worth attending at least once, especially before you make any decision about exercising options.",
        "Referral bonus. If you refer someone who is hired into a full-time role and stays for 90 days, you receive a referral bonus of $3,000, or $5,000 for hard-to-fill roles marked as such on the careers page. Referral bonuses are paid through payroll and are taxable.",
        "7. Time off",
        "Vacation. Full-time employees receive 25 days of paid vacation per year, in addition to public holidays, pro-rated in the first year. Where local law provides more, the country supplement applies. Up to 5 unused days can be carried over to the next year and must be used by 31 March. We expect everyone to take at least 15 days of vacation each year, including at least one break of five consecutive working days, and managers receive a reminder in September for anyone who has not yet taken ten days.",
        "Public holidays. You observe the public holidays of the country where you are employed. Teams with customer-facing schedules agree on cover in advance. In addition, the whole company closes for a winter break from 24 December to 1 January, inclusive; on-call and Store operations cover during the break is paid at double the usual allowance.",
        "Sick leave. If you are sick, tell your manager as early as you can and rest. Tallyboard pays full salary for up to 10 working days of sick leave per year without a medical certificate, and for longer illness in line with the country supplement and any statutory or insured sick pay. Sick leave can also be used to care for a sick child or dependant.",
        "Parental leave. Birthing parents receive 20 weeks of fully paid leave, and non-birthing parents, including adoptive and foster parents, receive 16 weeks of fully paid leave, to be taken within the first year after the birth or placement. Where statutory pay exists, Tallyboard tops it up to full salary. When you return, you can work a reduced schedule of four days a week at full pay for four weeks to ease back in.",
        "Other leave. Bereavement leave is up to 10 working days for a close family member and up to 3 working days for other relatives and close friends. Jury duty and other civic duties are paid in full. Employees with five years of service receive a four-week paid sabbatical, which must be planned with their manager at least three months ahead.",
        "8. Benefits",
        "Health. In the United States, Tallyboard pays 90% of medical, dental and vision premiums for employees and 75% for dependants, on the plans described in the benefits guide. In other countries, we provide private health insurance as described in the country supplement, in addition to the public system.",
        "Retirement. In the United States, Tallyboard matches 100% of your 401(k) contributions up to 4% of your salary, with immediate vesting. In other countries, we contribute to a pension or provident fund as described in the country supplement.",
        "Wellness. Every employee can claim up to $600 per calendar year for activities that support physical or mental health: gym memberships, sports classes, therapy not covered by insurance, meditation apps and similar. Claims go through the expenses tool with a receipt. The Employee Assistance Programme is free and confidential and is available to you and your household around the clock.",
        "Life and disability insurance. Tallyboard provides life insurance of twice your annual base salary and long-term disability insurance at no cost to you, in every country where we employ people. You can buy additional cover for yourself and your family at group rates during the annual enrolment window in November or within 30 days of a life event, such as a marriage or the birth of a child.",
        "Commuting. If you work from one of our offices at least two days a week, you can claim public transport passes or bicycle costs up to the monthly limit in the country supplement. Parking is not reimbursed, except for employees who need it because of a disability or who carry equipment for Store operations.",
        "Volunteering. Everyone can take two paid days a year to volunteer for a registered charity or community organisation. Book them as 'volunteering' in the time-off tool. Each autumn, teams can also choose to spend a day together on a volunteering project organised by the community committee, which counts towards the same two days.",
        "Benefits questions. The benefits guide on the intranet has plan documents, provider contacts and answers to the most common questions. Benefits enrolment happens in the HR system in your first 30 days and in the annual window after that; outside those times you can only change your elections after a qualifying life event. If a claim is denied or something is not working the way this handbook describes, People Operations will help you sort it out with the provider.",
        "9. Performance and growth",
        "Expectations. Every role has a level and a written description of what is expected at that level, in the career framework on the intranet. Your manager will go through the framework with you in your first month and agree on goals for your first six months.",
        "Feedback and reviews. We expect feedback to flow all the time, not only at review time. Formal reviews happen twice a year, in January and July. Each review includes a self-assessment, feedback from two to four colleagues you choose with your manager, and a written summary from your manager, which you can respond to in writing. Ratings are calibrated across teams by the leadership group to keep them fair.",
        "Promotions. Promotions are decided twice a year, alongside the reviews, based on evidence that you are already working at the next level consistently. Your manager writes the case, and a promotion committee of managers from other teams reviews it. If a promotion is not approved, you receive written feedback on what was missing.",
        "Internal moves. You can apply for any open role at Tallyboard after 12 months in your current role, or sooner with your manager's agreement. Tell your manager before you apply; they will not be able to block the move, but it is a courtesy and it helps with planning.",
        "10. Learning and development",
        "We want people to grow at Tallyboard, and we know that most learning happens in the work itself: taking on a project slightly beyond your current experience, pairing with someone more experienced, writing a proposal and having it challenged. Managers are expected to plan stretch assignments with their teams and to talk about development in every one-to-one, not only at review time.",
        "Mentoring. Anyone can sign up to the mentoring programme, either as a mentee or as a mentor, in the learning portal. Pairs are matched across teams every quarter and meet at least once a month for six months. Mentors receive a short training session before they start.",
        "Learning budget. " + quote + " The budget does not carry over into the following year. You do not need your manager's approval for purchases under $200; for anything above that, agree it with your manager first so that the time away from work can be planned too. If a course costs more than the annual budget, talk to your manager and People Operations; we sometimes fund longer programmes, such as a part-time degree, with a repayment agreement if you leave within a year of completing it.",
        "Learning time. Every employee can use up to four working days a year for learning, in addition to vacation, for example to attend a conference or complete a course. Book these days in the time-off tool with the type 'learning'.",
        "Speaking and writing. If you are invited to speak at a conference or write for a publication about your work at Tallyboard, tell the communications team in #comms-requests before you accept. They will help you prepare and make sure nothing confidential is shared. When you speak at a conference as a Tallyboard representative, the company pays for your travel and ticket separately from your learning budget.",
        "11. Conduct",
        "Respect. We expect everyone to treat colleagues, customers, candidates and partners with respect. Harassment, discrimination, bullying and retaliation are not tolerated, whether in person, in writing, in meetings or at events, and whether during or outside working hours when it affects work relationships. The full anti-harassment policy is on the intranet.",
        "Raising concerns. If something is wrong, you can raise it with your manager, with any member of People Operations, with the General Counsel, or anonymously through the ethics hotline, which is run by an independent provider. We investigate every report, and we do not tolerate retaliation against anyone who raises a concern in good faith.",
        "Gifts and hospitality. You may accept gifts or hospitality from suppliers, customers or partners only if they are modest, infrequent and not intended to influence a decision. Anything worth more than $100 must be declared in the gifts register. Never accept cash or cash equivalents.",
        "Customer data. Access customer data only when you need it for your work, and only in the systems designed for it. Never copy customer data to personal devices, personal accounts or unapproved tools. Support staff may view a customer's workspace only with a ticket reference, and every such access is logged.",
        "12. Security",
        "Everyone completes security awareness training when they join and every year after that. Use the password manager for all work accounts, turn on two-factor authentication everywhere it is offered, and lock your screen when you step away. Report phishing emails with the report button in your mail client. If you think you have clicked a malicious link or exposed a credential, tell the security team in #security-help straight away; reporting quickly is always better than fixing quietly.",
        "13. Leaving Tallyboard",
        "If you decide to leave, tell your manager first and confirm in writing. Notice periods are set in your employment agreement. Before your last day, your manager will agree a handover plan with you, and People Operations will explain what happens to your benefits, equity and final pay. Return your laptop and any company phone through the prepaid shipping kit that IT sends you. We hold an exit conversation with everyone who leaves, and we read every answer. Former employees are welcome to join the alumni network, and many people who left have come back; a return within two years keeps your original start date for vacation and sabbatical purposes.",
        "Questions about anything in this handbook go to #ask-people-ops or to peopleops@tallyboard.com. Thank you for being part of Tallyboard.",
    ]
    return {
        "tag": "handbook",
        "text": join(blocks),
        "question": "How much is the personal learning budget for each employee per calendar year?",
        "answer": "$1,500",
        "quote": quote,
    }

@builder
def api_changelog():
    quote = ("Added the invoice.payment_failed webhook event, sent when a client's card payment for an "
             "invoice is declined, or fails after all automatic retries for a recurring invoice.")
    versions = [
        ("2025-06-24", "", {
            "New": [
                "Added `GET /v2/invoices/{id}/pdf`, which returns the invoice PDF exactly as the client receives it, including the workspace's branding and the selected template.",
                "Client portal links can be generated with `POST /v2/clients/{id}/portal-links`. Links expire after 14 days by default; set `expires_in_days` to a value from 1 to 90.",
                "Added `resource_type` to members (`person`, `equipment` or `room`) so that non-human resources can be scheduled in the resource planning view.",
            ],
            "Changed": [
                "`GET /v2/time-entries` now returns entries in ascending order of `started_at` by default, so that paging through a date range returns a stable sequence. Pass `order=desc` for the previous order.",
            ],
            "Fixed": [
                "Creating an invoice with a `due_date` earlier than its `issue_date` now returns a 422 error with the code `due_before_issue` instead of silently setting the due date to the issue date.",
                "Project budget forecasts returned by `GET /v2/projects/{id}/budget` ignored time entries logged by contractors.",
            ],
            "Notes": [
                "Upgrade note for this version. The only behaviour change is the default order of time entries. Integrations that read the first page of `GET /v2/time-entries` to find the most recent entries must now pass `order=desc`. Integrations that page through a whole date range are not affected, and will now see a stable result even if entries are added while they page.",
            ],
        }),
        ("2025-05-20", "Spring release", {
            "New": [
                "`GET /v2/projects/{id}/budget` returns the project's budget, spend to date, and forecast at completion, in the project's currency.",
                "Time entries accept an optional `billable_rate_override` so that a single entry can be billed at a different rate from the member's default rate.",
                "Added `expand=client` to `GET /v2/invoices`, which embeds the client object in each invoice and saves one request per invoice.",
            ],
            "Changed": [
                "List endpoints now return at most 200 items per page (previously 500). Requests with `per_page` above 200 are clamped to 200 and the response includes a `Tallyboard-Per-Page-Clamped: true` header.",
                "The `Retry-After` header on 429 responses is now an integer number of seconds in every case. Some endpoints previously sent an HTTP date.",
            ],
            "Fixed": [
                "`PATCH /v2/tasks/{id}` no longer clears `assignee_ids` when the field is omitted from the request body.",
            ],
            "Notes": [
                "Upgrade note: page size. If your integration requests 500 items per page and stops when it receives fewer than requested, it will now stop after the first page. Use `next_cursor` to decide whether there are more results; it is `null` on the last page.\n\n```\nGET /v2/invoices?per_page=500&status=unpaid\n\nHTTP/1.1 200 OK\nTallyboard-Per-Page-Clamped: true\n\n{\"data\": [ ...200 invoices... ], \"next_cursor\": \"aW52XzAwMDEyODQx\"}\n```",
            ],
        }),
        ("2025-04-15", "", {
            "New": [
                "Added `GET /v2/workspace/usage`, which returns the current number of billable seats, storage used and API requests in the current billing period.",
                "Members can be deactivated and reactivated with `POST /v2/members/{id}/deactivate` and `/reactivate`, without deleting their time entries.",
            ],
            "Fixed": [
                "`GET /v2/clients` returned archived clients when `status=active` was combined with `q`.",
                "Webhook payloads for `task.updated` omitted `previous_attributes` when only a custom field changed.",
            ],
        }),
        ("2025-03-11", "", {
            "Breaking": [
                "The deprecated `amount` field on invoice line items has been removed. Use `unit_price` and `quantity`, or read the computed `line_total`.",
                "Webhook signatures now use the `Tallyboard-Signature-256` header only. The legacy SHA-1 `Tallyboard-Signature` header is no longer sent on this version.",
            ],
            "New": [
                "Added the `payout.paid` and `payout.returned` webhook events for Tallyboard Pay, so that you can reconcile bank deposits without polling the payouts endpoint.",
                "`POST /v2/invoices/{id}/send` accepts `cc` (up to 5 addresses) and `message_template_id`.",
                "Added `GET /v2/tax-rates` and `POST /v2/tax-rates` for managing reusable tax rates, including compound taxes.",
            ],
            "Deprecated": [
                "`GET /v2/reports/time` is deprecated in favour of the asynchronous reports API (`POST /v2/report-runs`). It will be removed from the first version released after 1 January 2026.",
            ],
            "Notes": [
                "Upgrade note: verifying signatures. Compute an HMAC with SHA-256 over the raw request body, using the endpoint's signing secret as the key, and compare it in constant time with the hex value in `Tallyboard-Signature-256`. Reject deliveries whose `Tallyboard-Timestamp` header is more than five minutes old, to prevent replays.\n\n```python\nimport hashlib, hmac, time\n\ndef verify(body: bytes, headers: dict, secret: str) -> bool:\n    timestamp = int(headers[\"Tallyboard-Timestamp\"])\n    if abs(time.time() - timestamp) > 300:\n        return False\n    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()\n    return hmac.compare_digest(expected, headers[\"Tallyboard-Signature-256\"])\n```",
                "Example `payout.returned` payload:\n\n```json\n{\n  \"id\": \"evt_9Qw2LmX4\",\n  \"type\": \"payout.returned\",\n  \"api_version\": \"2025-03-11\",\n  \"created_at\": \"2025-03-18T14:02:11Z\",\n  \"data\": {\n    \"payout_id\": \"po_7GxR01\",\n    \"amount\": \"1840.25\",\n    \"currency\": \"EUR\",\n    \"return_code\": \"account_closed\",\n    \"returned_at\": \"2025-03-18T13:58:40Z\"\n  }\n}\n```",
            ],
        }),
        ("2025-01-28", "", {
            "New": [
                "Added the `payout.failed` webhook event, sent when the partner bank cannot process a Tallyboard Pay payout at all (for example because the bank account is closed before submission).",
                "The asynchronous reports API: `POST /v2/report-runs` starts a report and `GET /v2/report-runs/{id}` returns its status and, when complete, a download URL valid for 24 hours.",
                "Projects have a new `archived_at` timestamp. Archiving a project through the API no longer requires deleting its recurring tasks first.",
            ],
            "Changed": [
                "OAuth access tokens now expire after 2 hours instead of 8. Refresh tokens are unchanged and still rotate on every use.",
                "Rate limits are now applied per OAuth application and per workspace, instead of per workspace only. The default is 120 requests per minute for each pair.",
            ],
            "Fixed": [
                "Webhook deliveries that timed out were sometimes retried fewer than the documented 8 times. All deliveries now follow the documented schedule.",
            ],
            "Notes": [
                "Upgrade note: token lifetime. Integrations that cache access tokens for a working day must refresh them when they receive a 401 response with the code `token_expired`. Refresh tokens rotate on every use, so store the new refresh token returned with each new access token; reusing an old refresh token revokes the whole token family as a security measure.",
            ],
        }),
        ("2024-12-10", "", {
            "New": [
                "Added `GET /v2/expenses` and `POST /v2/expenses` for project expenses, including receipt attachments and a `billable` flag that controls whether the expense is added to the next invoice for the project.",
                "Webhook endpoints can be paused and resumed with `POST /v2/webhook-endpoints/{id}/pause` and `/resume`. Events that occur while an endpoint is paused are kept for 72 hours and delivered in order when it resumes.",
            ],
            "Changed": [
                "Invoice numbers generated by the API now follow the workspace's numbering pattern, including prefixes such as `INV-2024-`, instead of a plain sequence.",
            ],
            "Fixed": [
                "`POST /v2/time-entries` accepted overlapping running timers for the same member. Starting a timer now stops any other running timer for that member, as in the web app.",
            ],
            "Notes": [
                "Example: creating a billable expense with a receipt that was uploaded first through `POST /v2/attachments`.\n\n```\nPOST /v2/expenses\nTallyboard-Version: 2024-12-10\nIdempotency-Key: 6f1c2d0e-expense-0412\n\n{\n  \"project_id\": \"prj_2281\",\n  \"date\": \"2024-12-09\",\n  \"category\": \"travel\",\n  \"description\": \"Train to client workshop, Lisbon to Porto\",\n  \"amount\": \"62.40\",\n  \"currency\": \"EUR\",\n  \"billable\": true,\n  \"attachment_ids\": [\"att_88Zk1\"]\n}\n```",
            ],
        }),
        ("2024-10-15", "", {
            "New": [
                "Added `GET /v2/members/{id}/capacity`, which returns a member's weekly capacity, scheduled hours and time off for a date range, for use in resource planning tools.",
            ],
            "Changed": [
                "Personal API keys created from now on are prefixed with `tbk_live_` or `tbk_test_` so that secret scanners can recognise them. Existing keys keep working.",
                "The `Link` header is no longer sent on list responses. It had been undocumented since version 2 was released; use `next_cursor` instead.",
            ],
            "Fixed": [
                "Deleting a client that had estimates but no invoices returned a 409 error even when `force=true` was set.",
            ],
        }),
        ("2024-11-05", "", {
            "New": [
                "Added `POST /v2/clients/{id}/merge`, which merges a duplicate client into another, moving its projects, invoices and contacts.",
                "Estimates can now be converted to invoices through the API with `POST /v2/estimates/{id}/convert`.",
            ],
            "Changed": [
                "`GET /v2/time-entries` filters `from` and `to` now accept full ISO 8601 timestamps as well as dates. Dates are interpreted in the workspace's time zone, as before.",
                "The `client.deleted` webhook payload now includes `merged_into_id` when the client was deleted by a merge.",
            ],
            "Fixed": [
                "Invoices with more than 250 line items could return a 500 error when requested with `expand=line_items`.",
                "`GET /v2/users/me` returned a stale `role` for up to 10 minutes after the user's role changed.",
            ],
            "Notes": [
                "About client merges. A merge cannot be undone. The duplicate client's contacts are added to the surviving client, skipping contacts whose email address already exists there; its projects, invoices, estimates and expenses are moved; and its custom field values are kept only where the surviving client has no value for the same field. Invoices keep their original numbers. If either client has an unpaid invoice in Tallyboard Pay with a payment in progress, the request fails with the code `payment_in_progress` and you can retry once the payment has settled. Integrations that store client IDs should listen for the `client.deleted` event and follow `merged_into_id` to update their records.",
            ],
        }),
        ("2024-09-17", "Autumn release", {
            "New": [
                "Added the `invoice.overdue` webhook event, sent once, at 09:00 in the workspace's time zone, on the first day an unpaid invoice is past its due date.",
                "Added Idempotency-Key support to all `POST` endpoints. Keys are kept for 24 hours; a repeated request with the same key and body returns the original response.",
                "Recurring invoice schedules can be managed through `GET`, `POST` and `PATCH /v2/recurring-invoices`.",
            ],
            "Changed": [
                "Monetary amounts in responses are now strings with exactly two decimal places (for example \"1250.00\") for every currency that uses two decimal places, and with zero decimals for currencies such as JPY. Previously some endpoints returned numbers.",
            ],
            "Deprecated": [
                "The line item `amount` field is deprecated and will be removed in the first version released in 2025. Use `unit_price` and `quantity`.",
            ],
            "Notes": [
                "Upgrade note: amounts as strings. Parse amounts with a decimal type, not a binary floating-point type, to avoid rounding errors when you add line items. For example, an invoice total that was previously returned as `1250.1` is now returned as `\"1250.10\"`, and a JPY total that was previously `48000.0` is now `\"48000\"`. Request bodies accept both numbers and strings on every version.",
            ],
        }),
        ("2024-08-06", "", {
            "New": [
                "Added `GET /v2/payments/{id}/refunds` and `POST /v2/payments/{id}/refunds` for Tallyboard Pay card payments. Partial refunds are supported; the processing fee of the original payment is not returned.",
                "Members can be created with `role: \"contractor\"`, which limits them to their own time entries and the projects they are assigned to.",
            ],
            "Changed": [
                "The maximum size of a file attachment uploaded through `POST /v2/attachments` increased from 25 MB to 100 MB.",
            ],
            "Fixed": [
                "Gantt dependencies created through the API with `type: \"start_to_start\"` were displayed as finish-to-start in the web app.",
                "`DELETE /v2/tasks/{id}` returned 200 instead of 204 when the task had already been deleted.",
            ],
            "Notes": [
                "Example: a partial refund of a card payment. The response contains the refund in state `pending`; it moves to `succeeded` or `failed` within a few minutes and emits the matching webhook event. Refunds can only be created while the workspace's Tallyboard Pay balance covers them, otherwise the request fails with the code `insufficient_balance`.\n\n```\nPOST /v2/payments/pay_51Kx0/refunds\n\n{\"amount\": \"120.00\", \"reason\": \"requested_by_client\"}\n```",
            ],
        }),
        ("2024-07-23", "", {
            "New": [
                "Added `GET /v2/estimates/{id}/pdf` and `POST /v2/estimates/{id}/send`, matching the equivalent invoice endpoints.",
                "Time entries can be locked with `POST /v2/time-entries/lock` for a date range, for example after payroll has been run. Locked entries can only be edited by workspace owners and administrators.",
            ],
            "Changed": [
                "Search parameters on list endpoints (`q`) now match on word prefixes instead of whole words, so `q=des` finds projects named \"Design sprint\".",
            ],
            "Fixed": [
                "Webhook endpoints created with an `events` array that contained an unknown event type were accepted and then received nothing. The request now fails with the code `unknown_event_type`.",
            ],
        }),
        ("2024-07-09", "", {
            "New": [
                "Added `GET /v2/workspace/audit-events` for Enterprise workspaces, returning sign-ins, permission changes, exports and API key events for the last 400 days.",
                "Webhook endpoints can now subscribe to a subset of events with the `events` array when created or updated. Existing endpoints keep receiving all events.",
            ],
            "Fixed": [
                "Cursor pagination on `GET /v2/invoices` could skip an invoice when two invoices had the same `created_at` timestamp to the millisecond.",
            ],
        }),
        ("2024-06-18", "", {
            "New": [
                quote,
                "Invoices have a new `payment_status` field with the values `unpaid`, `processing`, `partially_paid`, `paid` and `refunded`, independent of the invoice's `status`.",
                "Added `GET /v2/invoices/{id}/payment-attempts`, which lists every card payment attempt for an invoice with its outcome and the decline code returned by the card network.",
            ],
            "Changed": [
                "Webhook payloads now include `api_version`, the version used to render the payload, so that you can detect a mismatch after upgrading.",
            ],
            "Fixed": [
                "`GET /v2/projects` ignored the `status` filter when combined with `client_id`.",
            ],
        }),
        ("2024-04-30", "", {
            "New": [
                "Added the `invoice.paid` webhook event, sent when an invoice's outstanding balance reaches zero, whether it was paid by card through Tallyboard Pay or marked as paid manually.",
                "Added `POST /v2/invoices/{id}/mark-paid` for recording payments received outside Tallyboard Pay, such as bank transfers and cheques.",
            ],
            "Changed": [
                "Error responses now always include a machine-readable `code` and a `doc_url` that links to the error's documentation.",
            ],
            "Fixed": [
                "Time entries longer than 24 hours created through the API were silently truncated. They now return a 422 error with the code `time_entry_too_long`.",
            ],
            "Notes": [
                "Example `invoice.paid` payload:\n\n```json\n{\n  \"id\": \"evt_3Hc8TbQ1\",\n  \"type\": \"invoice.paid\",\n  \"created_at\": \"2024-05-06T09:15:27Z\",\n  \"data\": {\n    \"invoice_id\": \"inv_20240412_0087\",\n    \"number\": \"INV-0087\",\n    \"client_id\": \"cli_4410\",\n    \"total\": \"2300.00\",\n    \"currency\": \"USD\",\n    \"paid_via\": \"manual\"\n  }\n}\n```",
            ],
        }),
        ("2024-03-12", "", {
            "New": [
                "Added `GET /v2/currencies`, listing the currencies a workspace can invoice in, with their decimal places and symbols.",
                "Tasks support custom fields. Read them with `expand=custom_fields` and set them by key in `POST` and `PATCH` requests.",
            ],
            "Breaking": [
                "`GET /v2/tasks` no longer returns subtasks at the top level by default. Pass `include_subtasks=true` to restore the previous behaviour.",
            ],
        }),
        ("2024-01-23", "", {
            "New": [
                "Added the `payment.succeeded` and `payment.failed` webhook events for Tallyboard Pay card payments taken with a Tap reader or through a payment link, independent of invoices.",
                "Added `GET /v2/readers` and `GET /v2/readers/{id}` for listing the Tap readers paired with a workspace, with their firmware version and last-seen time.",
            ],
            "Changed": [
                "Webhook deliveries are retried 8 times over 24 hours with exponential backoff (previously 5 times over 6 hours).",
            ],
        }),
        ("2023-11-14", "Version 2 general availability", {
            "New": [
                "First general availability release of API v2: projects, tasks, time entries, clients, invoices, estimates, members and webhooks.",
                "Authentication with OAuth 2.0 (authorization code with PKCE) and personal API keys for scripts and internal tools.",
                "Cursor-based pagination on every list endpoint, with `next_cursor` in the response body.",
            ],
        }),
    ]
    intro = [
        "Tallyboard API v2 — Changelog\nLast updated 20 May 2025 · docs/changelog · Maintained by the Platform API team",
        "This page lists every change to version 2 of the Tallyboard REST API, newest first. Version 2 is served at https://api.tallyboard.com/v2 and uses date-based versions: each time we make a change that could affect existing integrations, we release it under a new version named after its release date, and your integration keeps using the version it was built against until you choose to upgrade.",
        "How versions work. Every request is processed with a version. If you send a `Tallyboard-Version` header, we use that version; otherwise we use the default version set for your OAuth application or API key in the developer settings. New applications default to the latest version at the time they are created. Webhook payloads are rendered with the default version of the endpoint's application, not with the version of the request that caused the event.",
        "What counts as a breaking change. Removing or renaming a field, endpoint or webhook event; changing the type or format of a field; adding a required parameter; changing authentication or pagination behaviour; and changing an error code are breaking changes and only ship in a new version. Adding new endpoints, optional parameters, response fields and webhook event types is not breaking and may also appear in older versions. Your integration should ignore fields it does not recognise and should not fail on unknown webhook event types.",
        "Upgrading. To upgrade, read every entry between your current version and the target version, test your integration with the `Tallyboard-Version` header set to the target version, and then change the default version in the developer settings. You can roll the default back within 72 hours of changing it. Versions are supported for at least 24 months after the release of the next version, and we email the owners of applications that still use a version six months before it is retired.",
        "Sandbox. Every workspace on a paid plan can create a sandbox workspace from the developer settings. Sandboxes have their own API keys, do not send emails to clients, and process Tallyboard Pay payments in test mode with the test card numbers listed in the payments guide. Sandbox data is deleted after 90 days without activity. You can reset a sandbox to an empty state at any time, which also rotates its API keys and webhook signing secrets.",
        "Rate limits. Each OAuth application can make 120 requests per minute per workspace, and each personal API key 60 requests per minute. Enterprise workspaces can ask their account manager for higher limits. When you exceed a limit, the API returns 429 with a `Retry-After` header; honour it, and spread bulk jobs over time rather than retrying in a tight loop. The `Tallyboard-RateLimit-Remaining` header on every response tells you how many requests are left in the current window.",
        "Webhooks. A webhook endpoint receives an HTTPS `POST` for every event it subscribes to. Respond with any 2xx status within 10 seconds; anything else, including a timeout, counts as a failure and the delivery is retried on the schedule described in the webhooks guide. Deliveries can arrive out of order and, rarely, more than once, so use the event `id` to deduplicate and the `created_at` timestamp, not the arrival order, to decide which state is newest. Endpoints that fail every delivery for five consecutive days are disabled automatically, and the application owner receives an email.",
        "Errors. Errors use standard HTTP status codes with a JSON body containing `code`, `message` and, from 2024-04-30, `doc_url`. Validation errors (422) also include `errors`, a list of the fields that failed and why. Do not match on `message`, which is written for people and can change; match on `code`, which is stable within a version.",
        "Status and incidents. Current availability and any ongoing incidents affecting the API or webhook deliveries are published on the status page, where you can subscribe to updates by email or RSS. Planned maintenance that affects the API is announced there at least five working days in advance.",
        "Entries are grouped under Breaking, New, Changed, Deprecated and Fixed. Fixes to behaviour that did not match the documentation are applied to all versions unless the entry says otherwise.",
    ]
    blocks = list(intro)
    order = ["Breaking", "New", "Changed", "Deprecated", "Fixed"]
    for date, label, groups in versions:
        blocks.append(f"## {date}" + (f" — {label}" if label else ""))
        for group in order:
            if group in groups:
                blocks.append(f"{group}\n" + bullets(groups[group]))
        for note in groups.get("Notes", []):
            blocks.append(note)
    blocks += [
        "## Before version 2",
        "Version 1 of the API (https://api.tallyboard.com/v1) was retired on 30 June 2024 after a year of overlap with version 2. Requests to version 1 endpoints now return 410 Gone with a link to the migration guide. The guide maps every version 1 endpoint and field to its version 2 equivalent and lists the behaviours that changed, such as pagination, error formats and the move from API tokens in query strings to authorization headers.",
        table(["Version 1", "Version 2 equivalent", "Notes"], [
            ["GET /v1/projects.json", "GET /v2/projects", "Cursor pagination replaces page numbers"],
            ["GET /v1/todos.json", "GET /v2/tasks", "Todos were renamed tasks; subtasks are nested"],
            ["POST /v1/timers/start", "POST /v2/time-entries with running: true", "One running timer per member"],
            ["GET /v1/invoices.json", "GET /v2/invoices", "Amounts are strings from 2024-09-17"],
            ["POST /v1/invoices/send", "POST /v2/invoices/{id}/send", "Recipients come from the client's contacts"],
            ["?api_token=...", "Authorization: Bearer ...", "Tokens in query strings are rejected"],
            ["X-Tallyboard-Hook header", "Tallyboard-Signature-256", "SHA-1 signatures retired in 2025-03-11"],
        ]),
        "Questions about any entry on this page can be asked in the developer community forum, where the Platform API team answers on working days, or through support from the developer settings if your question involves private workspace data. Security issues should be reported through the responsible disclosure programme, never in the forum.",
    ]
    return {
        "tag": "changelog",
        "text": join(blocks),
        "question": "Which webhook event does the API send when a client's card payment for an invoice is declined?",
        "answer": "invoice.payment_failed",
        "quote": quote,
    }

@builder
def pentest_report():
    findings = [
        # id, area, title, short, severity, score, component, description, impact, recommendation, status
        ("TB-24-01", "Web application", "Stored cross-site scripting in project comment attachments", "stored XSS in comment attachments", "High", "8.1",
         "Web application, comment attachments (app.tallyboard.com/projects/*/comments)",
         "Attachments uploaded to project comments were served from the application's own origin with the content type supplied by the uploader. An SVG file containing an embedded script, uploaded as an attachment, executed in the browser of any workspace member who opened the attachment preview. Because the application origin holds the session cookie's scope, the script could perform any action the viewing user could perform, including inviting new members and exporting invoices.",
         "A malicious or compromised workspace member, or a guest collaborator with comment rights, could take over the session of an administrator who previews the attachment. Guest collaborators are common in agency workspaces, which widens the set of possible attackers beyond the customer's own staff.",
         "Serve all user-uploaded files from a separate, cookieless domain; set Content-Disposition: attachment for file types that can carry active content; force a safe Content-Type based on server-side detection; and add a Content-Security-Policy that blocks inline scripts on the preview page.",
         "Fixed on 30 September 2024 and verified during retest. Attachments are now served from a dedicated user-content domain."),
        ("TB-24-02", "Web application", "Invoice export includes archived clients' data after permission removal", "export permission check", "Medium", "5.7",
         "Web application, reports and exports",
         "A member whose access to a client had been removed could still include that client's invoices in a CSV export by selecting 'All clients' in the export dialog. The export job evaluated permissions when the export was created, using a cached permission set that was refreshed only every 24 hours.",
         "Former collaborators on a client could obtain invoice amounts, line items and client contact details for up to a day after their access was removed. The issue required an authenticated member and did not cross workspace boundaries.",
         "Evaluate permissions at the time each export job runs, invalidate the permission cache when a member's access changes, and log exports that include more than a configurable number of clients.",
         "Fixed on 8 October 2024 and verified during retest."),
        ("TB-24-03", "Web application", "Missing rate limit on invoice email sending", "invoice email rate limit", "Low", "3.5",
         "Web application and API, invoice sending",
         "An authenticated member could send the same invoice email to arbitrary recipients repeatedly with no limit on volume. During testing, 500 messages were sent from a test workspace in under two minutes before the test was stopped.",
         "The invoice sending feature could be abused to send unsolicited messages that appear to come from Tallyboard's mail domain, which could damage sender reputation and lead to mail being blocked for all customers.",
         "Apply per-workspace and per-recipient limits to invoice emails, require recipients to be contacts of the invoice's client, and alert the trust and safety team on unusual volumes.",
         "Fixed on 21 October 2024. Limits of 200 invoice emails per hour per workspace are now enforced."),
        ("TB-24-04", "Web application", "Clickjacking on the workspace settings page", "clickjacking on settings", "Low", "3.1",
         "Web application, workspace settings",
         "The workspace settings page did not send an X-Frame-Options header or a frame-ancestors directive, so it could be framed by another site. Other pages in the application were protected.",
         "An attacker could trick an administrator into clicking controls on the framed page, such as changing the workspace's default invoice template. Exploitation requires the victim to visit an attacker's site while logged in and to perform several precise clicks.",
         "Send a frame-ancestors 'none' directive on every page of the application, set in one place in the response middleware rather than per page.",
         "Fixed on 24 September 2024 and verified during retest."),
        ("TB-24-05", "Public API", "Object-level authorisation missing on time entry attachments", "attachment authorisation in the API", "High", "7.1",
         "API v2, GET /v2/attachments/{id}",
         "The attachments endpoint checked that the caller had a valid token for some workspace but did not check that the attachment belonged to that workspace. Attachment IDs were sequential within a shard, so IDs of other workspaces' attachments could be guessed.",
         "Any Tallyboard user with an API key could download receipts, contracts and other files attached to time entries and expenses in other customers' workspaces. The testers confirmed the issue with two test workspaces they controlled and did not access customer data.",
         "Check workspace ownership for every object-level request, replace sequential identifiers with random ones, and add automated authorisation tests for every endpoint that takes an object ID. Review access logs for the endpoint for signs of enumeration.",
         "Fixed on 19 September 2024, within 24 hours of being reported. Tallyboard's log review found no enumeration before the fix."),
        ("TB-24-06", "Public API", "Verbose error messages disclose internal hostnames", "verbose API errors", "Low", "2.7",
         "API v2, error responses",
         "Malformed requests to several endpoints caused responses that included stack traces with internal service hostnames, library versions and file paths.",
         "The information would help an attacker map the internal architecture and identify vulnerable library versions, but does not by itself allow access.",
         "Return generic error messages to clients and log detailed errors server-side with a correlation ID that is returned to the client.",
         "Fixed on 2 October 2024 and verified during retest."),
        ("TB-24-07", "Public API", "Webhook signing secret shown in full after creation", "webhook secret display", "Informational", "0.0",
         "Developer settings, webhook endpoints",
         "The signing secret for a webhook endpoint could be viewed in full at any time in the developer settings by any workspace administrator, rather than only once at creation.",
         "If an administrator account were compromised, the attacker could read secrets and forge webhook deliveries to the customer's systems. This is a defence-in-depth observation.",
         "Show the secret once at creation, offer rotation with an overlap period, and record secret views in the audit log.",
         "Accepted. Tallyboard plans to change the display behaviour in the first quarter of 2025 and has added audit logging of secret views."),
        ("TB-24-08", "Mobile applications", "Session tokens stored without hardware-backed protection on Android", "Android token storage", "Medium", "4.6",
         "Android app 5.12.0",
         "The Android app stored its refresh token in shared preferences encrypted with a key held in the same file, rather than in the Android Keystore.",
         "On a rooted or compromised device, malware or a person with physical access could extract the refresh token and use it from another device until it is revoked.",
         "Store tokens with a key held in the Android Keystore, bind refresh tokens to the device, and revoke tokens when the app detects that the device's security state has changed.",
         "Fixed in Android app 5.13.0 and verified during retest."),
        ("TB-24-09", "Mobile applications", "Certificate pinning not applied to the Tap reader pairing flow", "pairing flow pinning", "Low", "3.7",
         "iOS and Android apps, Tap reader pairing",
         "The apps pin the certificate of the main API, but the requests made during Tap reader pairing to the reader provisioning service did not use pinning.",
         "An attacker able to intercept traffic on the merchant's network and install a trusted certificate on the device could observe pairing requests. Card data is not exposed, because card data is encrypted by the reader itself.",
         "Apply the same pinning configuration to all Tallyboard-operated hosts used by the apps.",
         "Fixed in iOS 5.13.1 and Android 5.13.0."),
        ("TB-24-10", "Tallyboard Pay", "Payment link amount can be changed before checkout", "payment link amount tampering", "Medium", "5.3",
         "Tallyboard Pay, hosted payment links",
         "The amount of a fixed-amount payment link was sent to the checkout page as a hidden form field and accepted by the server when the payment was created. By editing the field, a payer could pay less than the amount set by the merchant. The payment record showed the reduced amount, so the merchant could see the difference, but the invoice linked to the payment was marked as paid.",
         "Payers could underpay invoices while the invoice showed as paid, which merchants might not notice until reconciliation.",
         "Take the amount from the server-side payment link record, never from the client, and mark invoices as paid only when the settled amount matches the outstanding balance.",
         "Fixed on 26 September 2024 and verified during retest."),
        ("TB-24-11", "Tallyboard Pay", "Merchant payout bank account can be changed without re-authentication", "payout account change", "High", "7.6",
         "Tallyboard Pay settings",
         "Changing the bank account that receives payouts required only an active session. No re-entry of the password, second factor or email confirmation was requested, and the notification email was sent only to the new account owner's address if it had been changed in the same session.",
         "An attacker with a stolen session, for example from a shared computer, could redirect a merchant's payouts to their own account. Payouts are a high-value target and this pattern is common in account takeover fraud.",
         "Require recent re-authentication with a second factor for payout account changes, send notifications to every administrator's existing address, and hold the first payout to a new bank account for a short review period.",
         "Fixed on 14 October 2024. Payout account changes now require a second factor and trigger a 48-hour hold on the next payout."),
        ("TB-24-12", "Infrastructure", "Outdated TLS configuration on a legacy marketing host", "legacy TLS host", "Low", "3.4",
         "www-legacy.tallyboard.com",
         "A host serving redirects for old marketing pages accepted TLS 1.0 and 1.1 and offered cipher suites without forward secrecy.",
         "No sensitive data is served from the host, but it could be used in downgrade attacks against users following old links, and it affects Tallyboard's external security ratings.",
         "Decommission the host and serve the redirects from the main edge configuration, which supports only TLS 1.2 and 1.3.",
         "Fixed on 1 October 2024. The host has been decommissioned."),
        ("TB-24-13", "Infrastructure", "Overly broad IAM role for the reporting workers", "reporting worker IAM role", "Medium", "4.9",
         "Cloud infrastructure, reporting worker role",
         "The role used by report generation workers had read access to every storage bucket in the production account, including buckets holding database backups and Tallyboard Pay settlement files, although the workers only need the exports bucket.",
         "A vulnerability in the report generation code, such as a template injection, could be used to read backups and settlement files.",
         "Restrict the role to the exports bucket and deny access to backup and settlement buckets explicitly with a permissions boundary. Review other worker roles with the same tool.",
         "Fixed on 11 October 2024. Eleven other roles were tightened in the same change."),
        ("TB-24-14", "Authentication and account recovery", "Password reset tokens remain valid after use and do not expire", "password reset tokens", "Medium", "6.8",
         "Web application, password reset flow",
         "Password reset links contain a token that was checked for validity but never marked as used and had no expiry time. A reset link from an old email could be used months later, and the same link could be used repeatedly. The token was also included in the Referer header sent to a third-party analytics script loaded on the reset page.",
         "Anyone who obtained an old reset email, for example from a compromised mailbox or a forwarded message, or who could read the analytics provider's logs, could reset the user's password and take over the account, including payout settings for Tallyboard Pay merchants. The attack requires obtaining the link but no interaction from the victim once it is obtained.",
         "Make reset tokens single-use, expire them after 30 minutes, invalidate all outstanding tokens when the password changes, remove third-party scripts from authentication pages, and set Referrer-Policy: no-referrer on them.",
         "Fixed on 3 October 2024 and verified during retest."),
        ("TB-24-15", "Authentication and account recovery", "User enumeration through sign-up and reset responses", "user enumeration", "Low", "3.0",
         "Web application, sign-up and password reset",
         "The sign-up form answered 'an account with this email already exists', and the password reset form responded measurably faster for unknown addresses than for known ones.",
         "An attacker could confirm which email addresses have Tallyboard accounts, which helps targeted phishing against customers' finance staff.",
         "Return the same message and similar response times in both cases and send an email to the address explaining the situation instead.",
         "Partially fixed. The timing difference was removed on 15 October 2024; the sign-up message is accepted as a usability trade-off and mitigated with rate limiting."),
        ("TB-24-16", "Authentication and account recovery", "SAML single sign-on accepts assertions without audience restriction", "SAML audience check", "Medium", "5.9",
         "Enterprise single sign-on",
         "The SAML service provider implementation did not reject assertions whose audience did not match Tallyboard's entity ID.",
         "An assertion issued by the customer's identity provider for another application could be replayed to Tallyboard within its validity window to sign in as the same user. Exploitation requires access to such an assertion.",
         "Validate the audience, recipient and destination of every assertion, and reject assertions that have been seen before within their validity period.",
         "Fixed on 17 October 2024 and verified during retest."),
    ]
    blocks = [
        "Penetration Test Report: Tallyboard Platform, Autumn 2024\nPrepared for Tallyboard, Inc. by Ironbark Security Consulting Pty Ltd\nReport reference IBS-2024-TB-0917 · Version 1.2 (final, including retest) · Classification: Confidential",
        "Document control",
        table(["Version", "Date", "Author", "Change"], [
            ["0.9", "4 October 2024", "Ruth Achterberg", "Draft for Tallyboard review"],
            ["1.0", "11 October 2024", "Ruth Achterberg", "Final report, testing phase"],
            ["1.1", "25 October 2024", "Jai Sandhu", "Added management responses"],
            ["1.2", "8 November 2024", "Ruth Achterberg", "Retest results added"],
        ]),
        "Distribution: Tallyboard Chief Technology Officer; Head of Security Engineering; Audit Committee of the Board (summary only). This report contains details of security weaknesses, some of which were open at the time of writing. Do not distribute it outside the named recipients without the agreement of Tallyboard's security team. Customers who need assurance about Tallyboard's security should request the executive summary letter, which Tallyboard can share under a non-disclosure agreement.",
        "1. Executive summary",
        "Tallyboard engaged Ironbark Security Consulting to perform its annual penetration test of the Tallyboard platform between 9 September and 27 September 2024. The test covered the web application, the public API, the iOS and Android apps, Tallyboard Pay merchant-facing features, single sign-on for Enterprise workspaces, and the internet-facing infrastructure. Five consultants spent a combined 62 person-days on the engagement, using a grey-box approach: we received test accounts at every role level, API documentation and architecture diagrams, but no source code.",
        "Overall, Tallyboard's security posture is good and has improved since our previous test in 2023. Authentication, session management and workspace isolation are generally well designed, the infrastructure perimeter is small and well maintained, and the engineering team responded quickly to the findings we reported during the test. We found no critical issues. We identified three high-severity issues, six medium-severity issues, six low-severity issues and one informational observation. The most significant were an authorisation flaw in the API that allowed files to be read across workspaces, a stored cross-site scripting issue in comment attachments, and the ability to change the payout bank account of a Tallyboard Pay merchant without re-authentication.",
        "All three high-severity issues were fixed within 30 days of being reported, in line with Tallyboard's vulnerability management policy, and we verified the fixes during a retest on 4 and 5 November 2024. At the time of this version of the report, fourteen of the sixteen findings are fixed, one is partially fixed and one has been accepted by Tallyboard with compensating controls.",
        "Themes. Several findings share root causes that are worth addressing beyond the individual fixes. First, authorisation checks were implemented per endpoint rather than centrally, and the gaps we found were in less frequently used endpoints and background jobs (TB-24-02, TB-24-05). Second, sensitive account changes did not consistently require recent re-authentication (TB-24-11, and to a lesser extent the account recovery issues). Third, some third-party scripts were loaded on pages that handle credentials. We recommend that Tallyboard adopt a central authorisation layer, a single step-up authentication mechanism for sensitive changes, and a policy for third-party scripts on authentication and payment pages.",
        "2. Scope",
        bullets([
            "Web application: app.tallyboard.com, including the invoice editor, client portal and reports.",
            "Public API v2: api.tallyboard.com, all documented endpoints, OAuth flows and webhook delivery.",
            "Mobile applications: iOS 5.12.2 and Android 5.12.0, including Tap reader pairing.",
            "Tallyboard Pay merchant features: onboarding, payment links, refunds, payout settings. Card data handling inside the Tap reader and the acquiring processor were out of scope and are covered by separate PCI assessments.",
            "Enterprise single sign-on (SAML 2.0 and OIDC).",
            "Internet-facing infrastructure: 38 hosts and 6 IP ranges provided by Tallyboard.",
        ]),
        "Out of scope: denial-of-service testing, social engineering of Tallyboard staff, physical security, the Tallyboard Store e-commerce site (operated by a third party), and third-party integrations such as the accounting software connectors beyond Tallyboard's own side of the integration.",
        "3. Methodology",
        "We followed our standard application testing methodology, which is aligned with the OWASP Web Security Testing Guide, the OWASP API Security Top 10 and the OWASP Mobile Application Security Verification Standard. For each component, we first mapped its functionality and trust boundaries, then tested authentication, session management, authorisation, input handling, business logic and configuration. Business logic testing focused on money flows (invoices, payment links, refunds and payouts) and on workspace isolation, which Tallyboard identified as its highest concerns.",
        "Severity ratings use the Common Vulnerability Scoring System version 3.1 base score, adjusted where necessary by our judgement of the likelihood and business impact in Tallyboard's context; where we adjusted a rating, the finding says why. Appendix B defines the severity levels. Findings were reported to Tallyboard's security team as soon as they were confirmed, by encrypted email for high-severity issues and in the shared tracker for all others.",
        "Test accounts were created in dedicated test workspaces. We did not access data belonging to Tallyboard customers. Where a finding could have exposed customer data, we confirmed it using two test workspaces under our control and stopped testing that path once the issue was confirmed.",
        "4. Summary of findings",
        table(["ID", "Title", "Area", "Severity", "Status"],
              [[f[0], f[2], f[1], f[4], "Fixed" if f[10].startswith("Fixed") else f[10].split(".")[0]] for f in findings]),
        "5. Detailed findings",
        "Each finding below states the affected component, a description of the issue, its impact in Tallyboard's context, our recommendation and its status after the retest. Findings are grouped by area in the order in which the areas were tested.",
    ]
    area = None
    area_number = 0
    quote = None
    for fid, farea, title, short, sev, score, comp, desc, impact, rec, status in findings:
        if farea != area:
            area = farea
            area_number += 1
            blocks.append(f"5.{area_number} {farea}")
        rating = f"We rated {fid} ({short}) as {sev}, with a CVSS v3.1 base score of {score}."
        if fid == "TB-24-14":
            quote = rating
        blocks.append(f"{fid}: {title}\nAffected component: {comp}")
        blocks.append(f"Description. {desc}")
        blocks.append(f"Impact. {impact} {rating}")
        blocks.append(f"Recommendation. {rec}")
        blocks.append(f"Status after retest. {status}")
    blocks += [
        "6. Retest",
        "The retest took place on 4 and 5 November 2024 and was performed by two of the original consultants. For each finding marked as fixed by Tallyboard, we repeated the original test case and attempted reasonable variations, such as other file types for TB-24-01 and other object types for TB-24-05. All fixes were effective. For TB-24-15 we confirmed that the timing difference had been removed. For TB-24-07 we confirmed that views of webhook secrets are now recorded in the audit log.",
        "Appendix A. Tools",
        "Manual testing was performed with an intercepting proxy, custom scripts, and the platform tools of each mobile operating system. Automated scanning was limited to the infrastructure hosts and to passive scanning of web traffic. No automated tool was used to generate findings without manual confirmation.",
        "Appendix B. Severity definitions",
        table(["Severity", "CVSS range", "Meaning"], [
            ["Critical", "9.0 to 10.0", "Exploitable remotely without special conditions; leads to widespread compromise of data or systems."],
            ["High", "7.0 to 8.9", "Leads to significant compromise of data, accounts or money; exploitation is realistic."],
            ["Medium", "4.0 to 6.9", "Leads to limited compromise, or requires conditions that reduce likelihood."],
            ["Low", "0.1 to 3.9", "Minor impact or unlikely exploitation; fix as part of normal work."],
            ["Informational", "0.0", "Observation or defence-in-depth improvement with no direct security impact."],
        ]),
        "Ironbark Security Consulting Pty Ltd, Level 12, 90 Collins Street, Melbourne VIC 3000, Australia. Lead consultant: Ruth Achterberg. Engagement manager: Jai Sandhu.",
    ]
    return {
        "tag": "audit",
        "text": join(blocks),
        "question": "What CVSS v3.1 base score did the testers give the finding about password reset tokens?",
        "answer": "6.8",
        "quote": quote,
    }

@builder
def data_processing_addendum():
    quote = ("Tallyboard will notify the Customer of a Personal Data Breach without undue delay and in any "
             "event within 36 hours after becoming aware of it, using the security contact recorded in the "
             "Customer's workspace settings and the email address of every workspace owner.")
    subprocessors = [
        ("Corvane Data Centers Ltd.", "Colocation of Tallyboard-owned servers for European workspaces", "Ireland and Germany"),
        ("Amazon Web Services, Inc.", "Cloud hosting for workspaces in the United States region, backups and disaster recovery", "United States; backups for European workspaces in Ireland"),
        ("Cloudflare, Inc.", "Content delivery, DDoS protection and web application firewall", "Global edge network; logs retained in the United States and European Union"),
        ("Postwing Mail, Inc.", "Delivery of transactional email, including invoice emails sent on the Customer's behalf", "United States and Ireland"),
        ("Halcyon Support Software Ltd.", "Customer support ticketing and live chat", "United Kingdom"),
        ("Northgate Payments Processing LLC", "Card acquiring and settlement for Tallyboard Pay", "United States, United Kingdom and European Union"),
        ("Lumen Search B.V.", "Hosted search indexing of project, task and invoice text", "Netherlands"),
        ("Brightline Telecom AB", "SMS delivery for two-factor authentication codes and payment notifications", "Sweden, with carrier delivery worldwide"),
        ("Ostrava Analytics s.r.o.", "Product analytics on pseudonymised usage events", "Czech Republic"),
        ("Kestrel Identity, Inc.", "Identity verification for Tallyboard Pay merchant onboarding", "United States and Ireland"),
        ("Pallas Fulfilment Ltd.", "Storage and shipping of Tallyboard Store orders in the United Kingdom and European Union", "United Kingdom and the Netherlands"),
        ("Tallyboard Portugal, Unipessoal Lda.", "Customer support and engineering personnel (Tallyboard affiliate)", "Portugal"),
        ("Tallyboard Philippines, Inc.", "Customer support personnel (Tallyboard affiliate)", "Philippines"),
    ]
    blocks = [
        "DATA PROCESSING ADDENDUM\nTallyboard customer terms · Version 4.1 · Effective 1 January 2025",
        "This Data Processing Addendum (\"DPA\") forms part of the Tallyboard Terms of Service or other written agreement between Tallyboard, Inc. (\"Tallyboard\") and the customer identified in that agreement (the \"Customer\") for the provision of the Tallyboard services (the \"Agreement\"). It applies automatically to every Customer whose use of the services involves Tallyboard processing Personal Data on the Customer's behalf. Customers that need a countersigned copy can sign this DPA electronically from the billing settings of their workspace; signing is not required for it to apply.",
        "1. Definitions",
        "Terms defined in the Agreement have the same meaning in this DPA. In addition:\n\n\"Data Protection Laws\" means all laws relating to the processing of Personal Data that apply to a party's processing under the Agreement, including the General Data Protection Regulation (EU) 2016/679 (\"GDPR\"), the GDPR as it forms part of the law of the United Kingdom together with the Data Protection Act 2018 (\"UK GDPR\"), the Swiss Federal Act on Data Protection, the California Consumer Privacy Act as amended, and other United States state privacy laws, each as amended or replaced from time to time.\n\n\"Personal Data\" means any information relating to an identified or identifiable natural person that Tallyboard processes on behalf of the Customer in providing the services, including Personal Data contained in Customer Content.\n\n\"Customer Content\" means all data, files and information that the Customer and its users submit to the services, including projects, tasks, time entries, comments, attachments, client records and invoices.\n\n\"Personal Data Breach\" means a breach of security leading to the accidental or unlawful destruction, loss, alteration, unauthorised disclosure of, or access to, Personal Data processed by Tallyboard or its Subprocessors.\n\n\"Subprocessor\" means any processor engaged by Tallyboard, including a Tallyboard affiliate, that processes Personal Data on the Customer's behalf.\n\n\"Standard Contractual Clauses\" means the clauses annexed to Commission Implementing Decision (EU) 2021/914, and for transfers from the United Kingdom the International Data Transfer Addendum issued by the Information Commissioner.",
        "2. Roles and scope",
        "2.1 For Personal Data in Customer Content, the Customer is the controller (or a processor acting on behalf of its own controllers) and Tallyboard is a processor (or subprocessor). Tallyboard processes that Personal Data only to provide, secure and support the services in accordance with the Agreement.\n\n2.2 Tallyboard is an independent controller of Personal Data that it processes for its own purposes, such as account administration, billing the Customer, fraud prevention and risk management for Tallyboard Pay, compliance with anti-money-laundering and know-your-customer obligations, and improving the services using aggregated or de-identified data. That processing is described in Tallyboard's Privacy Notice and is not governed by this DPA, except where this DPA expressly says so.\n\n2.3 Annex I describes the subject matter, nature, purpose and duration of the processing, the types of Personal Data and the categories of data subjects.\n\n2.4 Where the CCPA applies, Tallyboard is a service provider. It will not sell or share Personal Data in Customer Content, will not retain, use or disclose it outside the direct business relationship with the Customer or for any purpose other than the business purposes set out in the Agreement, and will not combine it with Personal Data it receives from other sources except as permitted by the CCPA.",
        "3. Customer instructions",
        "3.1 Tallyboard will process Personal Data only on the Customer's documented instructions. The Agreement, this DPA and the Customer's configuration and use of the services (including the features it enables, the integrations it connects and the data it chooses to submit) are the Customer's complete instructions at the effective date. Additional instructions require a written amendment.\n\n3.2 Tallyboard will inform the Customer if, in its opinion, an instruction infringes Data Protection Laws, and may suspend the affected processing until the Customer confirms or modifies the instruction.\n\n3.3 If Tallyboard is required by law to process Personal Data other than on the Customer's instructions, it will inform the Customer of that requirement before processing, unless the law prohibits this on important grounds of public interest.\n\n3.4 The Customer is responsible for the lawfulness of the Personal Data it submits to the services and for having a lawful basis, including any required notices and consents, for Tallyboard's processing under this DPA. In particular, the Customer will not submit special categories of Personal Data, such as health information about its clients, unless it has configured the services appropriately and is satisfied that the safeguards described in Annex II are adequate for that data.",
        "4. Personnel",
        "Tallyboard will ensure that every person it authorises to process Personal Data is bound by an appropriate duty of confidentiality, has received training on data protection and security appropriate to their role, and has access only to the Personal Data needed for their duties. Access by Tallyboard support staff to the contents of a Customer's workspace requires a support ticket reference and is recorded in an access log that the Customer's workspace owners can view in the workspace's audit settings on Enterprise plans.",
        "5. Security",
        "5.1 Tallyboard will implement and maintain the technical and organisational measures described in Annex II, which are designed to protect Personal Data against Personal Data Breaches and to ensure a level of security appropriate to the risk. Tallyboard may update those measures from time to time, provided that the updates do not materially reduce the overall level of protection.\n\n5.2 Tallyboard maintains an information security programme certified to ISO/IEC 27001 and is audited annually against the SOC 2 Trust Services Criteria for security, availability and confidentiality. Tallyboard Pay is assessed annually as a PCI DSS Level 1 service provider. Copies of current certificates and the latest SOC 2 Type II report are available to the Customer under a non-disclosure agreement from the trust centre.\n\n5.3 The Customer is responsible for its own secure use of the services, including protecting its users' credentials, configuring single sign-on and two-factor authentication where available, managing its users' permissions, and securing any systems it connects to the services through the API or integrations.",
        "6. Subprocessors",
        "6.1 The Customer gives Tallyboard general authorisation to engage Subprocessors. The Subprocessors engaged at the effective date of this DPA are listed in Annex III, and the current list is published on Tallyboard's website.\n\n6.2 Tallyboard will notify the Customer of any intended addition or replacement of a Subprocessor at least 30 days before the new Subprocessor begins processing Personal Data, by updating the published list and by email to Customers who have subscribed to Subprocessor notifications from the trust centre. The Customer may object on reasonable data protection grounds within 14 days of the notification. If Tallyboard cannot reasonably accommodate the objection, the Customer may terminate the affected services by written notice and receive a refund of prepaid fees for the period after termination.\n\n6.3 Tallyboard will impose data protection obligations on each Subprocessor by written contract that are no less protective than those in this DPA, including a requirement to inform Tallyboard of any Personal Data Breach affecting Personal Data processed for Tallyboard within 48 hours of becoming aware of it. Tallyboard remains liable to the Customer for the performance of each Subprocessor's obligations.",
        "7. Data subject requests",
        "7.1 Taking into account the nature of the processing, Tallyboard will assist the Customer by appropriate technical and organisational measures in responding to requests from data subjects to exercise their rights under Data Protection Laws. The services include self-service features that allow the Customer to access, correct, export and delete Personal Data in Customer Content, and the Customer will use those features first.\n\n7.2 If Tallyboard receives a request from a data subject that relates to Customer Content, it will not respond to the request itself except to direct the data subject to the Customer, and will forward the request to the Customer within 5 business days, provided the data subject has identified the Customer.",
        "8. Personal Data Breaches",
        "8.1 Tallyboard will notify the Customer of a Personal Data Breach without undue delay and within the time stated in Annex II. Tallyboard's notification will describe, to the extent known, the nature of the breach, the categories and approximate number of data subjects and records concerned, the likely consequences, and the measures taken or proposed to address the breach and mitigate its effects. Where the information is not available at the time of notification, Tallyboard will provide it in phases as it becomes available.\n\n8.2 Tallyboard will take reasonable steps to contain, investigate and remediate each Personal Data Breach and will cooperate with the Customer so that the Customer can meet its own obligations, including any obligation to notify a supervisory authority within 72 hours under Article 33 of the GDPR and to communicate the breach to data subjects.\n\n8.3 Notification of or response to a Personal Data Breach is not an acknowledgement by Tallyboard of any fault or liability. Unsuccessful attempts that do not compromise the security of Personal Data, such as failed login attempts, port scans and denial-of-service attacks that do not result in unauthorised access, are not Personal Data Breaches.",
        "9. Impact assessments and consultation",
        "Tallyboard will provide reasonable assistance to the Customer, taking into account the nature of the processing and the information available to Tallyboard, with any data protection impact assessment and any prior consultation with a supervisory authority that the Customer is required to carry out in relation to its use of the services. Tallyboard may meet this obligation by providing its security documentation, certifications and audit reports, and may charge reasonable fees for assistance beyond that.",
        "10. Audits",
        "10.1 Tallyboard will make available to the Customer the information reasonably necessary to demonstrate compliance with this DPA, primarily in the form of its ISO/IEC 27001 certificate, SOC 2 Type II report and PCI DSS attestation of compliance.\n\n10.2 If that information is not sufficient to demonstrate compliance, or where required by a supervisory authority or Data Protection Laws, the Customer may carry out an audit, by itself or through an independent auditor bound by confidentiality, no more than once in any 12-month period, on at least 30 days' written notice, during normal business hours and in a manner that does not unreasonably disrupt Tallyboard's operations or compromise the security of other customers' data. The parties will agree the scope, timing and duration of the audit in advance. Each party bears its own costs, except that the Customer will reimburse Tallyboard's reasonable costs for audits that take more than two business days of Tallyboard staff time.",
        "11. International transfers",
        "11.1 Tallyboard stores Customer Content for workspaces in the European region in Ireland and Germany, and for workspaces in the United States region in the United States. The Customer chooses the region when it creates a workspace and can request a migration between regions. Some Subprocessors, support personnel and security functions may access Personal Data from other countries as described in Annex III.\n\n11.2 To the extent Tallyboard processes Personal Data originating in the European Economic Area, the United Kingdom or Switzerland in a country that has not been recognised as providing an adequate level of protection, the parties agree that the Standard Contractual Clauses (module two, controller to processor, or module three, processor to processor, as applicable) are incorporated into this DPA, with the options and details set out in Annex I. Tallyboard, Inc. is also certified under the EU-US Data Privacy Framework and its UK and Swiss extensions.\n\n11.3 If a supervisory authority or court requires additional measures for a transfer, or the transfer mechanism is invalidated, the parties will work together in good faith to put an alternative mechanism in place.",
        "12. Return and deletion",
        "12.1 During the term of the Agreement, the Customer can export Customer Content at any time using the export features of the services and the API.\n\n12.2 After the Agreement ends, Tallyboard will keep Customer Content for 30 days so that the Customer can export it or reactivate its workspace, and will then delete it from production systems. Deleted data is removed from encrypted backups as they expire, within a further 35 days. Tallyboard may retain Personal Data where required by law, for example transaction records of Tallyboard Pay payments that it must keep for anti-money-laundering purposes, and will protect retained data in accordance with this DPA for as long as it is retained.",
        "13. Liability",
        "Each party's liability arising out of or in connection with this DPA, whether in contract, tort or otherwise, is subject to the limitations and exclusions of liability in the Agreement, and any reference in the Agreement to a party's liability means its aggregate liability under the Agreement and this DPA together. Nothing in this section limits either party's liability to data subjects under the Standard Contractual Clauses or Data Protection Laws.",
        "14. Term, precedence and changes",
        "This DPA remains in effect for as long as Tallyboard processes Personal Data on behalf of the Customer. If there is a conflict between this DPA and the Agreement, this DPA prevails in relation to the processing of Personal Data; if there is a conflict between this DPA and the Standard Contractual Clauses, the Standard Contractual Clauses prevail. Tallyboard may update this DPA to reflect changes in Data Protection Laws or in the services, and will notify the Customer of material changes at least 30 days in advance; no update will reduce the protection of Personal Data under this DPA.",
        "ANNEX I — DESCRIPTION OF THE PROCESSING",
        "A. Parties. Data exporter: the Customer, as identified in the Agreement, acting as controller or processor. Contact details: the workspace owner and any security contact recorded in the workspace settings. Data importer: Tallyboard, Inc., 410 SW Morrison Street, Suite 900, Portland, Oregon 97204, United States, acting as processor. Contact: Data Protection Officer, privacy@tallyboard.com. Tallyboard's representative in the European Union is Tallyboard Ireland Limited, 2 Grand Canal Square, Dublin 2, Ireland.",
        "B. Categories of data subjects. The Customer's users (employees, contractors and guest collaborators); the Customer's clients and their contact persons; other individuals whose Personal Data the Customer includes in Customer Content; and, for Tallyboard Pay, individuals who make payments to the Customer.",
        "C. Categories of Personal Data. Names, business contact details, job titles, user identifiers, profile photos; time entries, schedules and work activity in projects; comments, files and other content submitted by users; client billing addresses and tax identifiers; invoice contents; for Tallyboard Pay, payer names, email addresses, the last four digits and brand of payment cards, and payment amounts and dates (full card numbers are processed only by the card processor and never by Tallyboard's systems); and technical data such as IP addresses, device information and log records.",
        "D. Special categories. None intended. The Customer may choose to include special category data in Customer Content, subject to section 3.4.",
        "E. Nature and purpose of processing. Hosting, storing, indexing, transmitting, displaying and otherwise processing Customer Content to provide the services; sending emails and notifications on the Customer's behalf, including invoices to its clients; processing payments through Tallyboard Pay; providing customer support at the Customer's request; and securing, monitoring and maintaining the services.",
        "F. Frequency and duration. Continuous, for the term of the Agreement and the retention periods in section 12.",
        "ANNEX II — TECHNICAL AND ORGANISATIONAL MEASURES",
        "1. Governance. Tallyboard has a Chief Information Security Officer who reports to the Chief Technology Officer and presents to the Audit Committee of the Board at least twice a year. Security policies are reviewed annually and approved by the security steering group. All staff complete security and privacy training on joining and annually.",
        "2. Access control. Access to production systems is granted on the principle of least privilege, through single sign-on with hardware-key two-factor authentication, and only from managed devices. Privileged access is time-limited and approved for each use through the access broker, and every privileged session is recorded. Access rights are reviewed every quarter, and access is removed within 24 hours of a person leaving Tallyboard.",
        "3. Encryption. Customer Content is encrypted in transit with TLS 1.2 or higher and at rest with AES-256. Encryption keys are managed in a hardware-backed key management service, rotated annually, and separated by region. Backups are encrypted with keys separate from production keys.",
        "4. Logical separation. Each workspace's data is separated logically by workspace identifier, enforced in the application's data access layer and tested automatically on every deployment. Search indexes and caches are partitioned by workspace.",
        "5. Secure development. Code changes are peer-reviewed and pass automated tests, static analysis and dependency scanning before deployment. Security-sensitive changes are reviewed by the security engineering team. Production data is never used in development or test environments.",
        "6. Vulnerability management. External penetration tests are performed at least annually by an independent firm, and a public responsible disclosure programme is maintained. Vulnerabilities are remediated within target times based on severity: 7 days for critical, 30 days for high, 90 days for medium.",
        "7. Logging and monitoring. Security-relevant events from the application, infrastructure and identity systems are collected centrally, retained for at least 400 days, and monitored around the clock by the security operations function with automated alerting for suspicious activity.",
        "8. Availability and resilience. Production systems run across multiple availability zones in each region, with automatic failover for databases. Backups are taken continuously, tested monthly through restoration, and kept for 35 days. The business continuity and disaster recovery plan is tested at least annually.",
        "9. Incident response. Tallyboard maintains a documented incident response plan with defined roles, severity levels and communication procedures, which is tested through exercises at least twice a year. " + quote + " Tallyboard will keep the Customer informed of material developments until the breach is contained and will provide a written incident report once its investigation is complete.",
        "10. Physical security. Tallyboard's production systems are hosted in data centres operated by Subprocessors that hold ISO/IEC 27001 certification and SOC 2 reports covering physical and environmental controls, with controlled access, surveillance and environmental protection. Tallyboard's offices do not host production systems.",
        "11. Subprocessor management. Subprocessors are assessed for security and privacy before engagement and at least annually afterwards, based on their certifications, audit reports and questionnaires, and are bound by written contracts as described in section 6.3.",
        "12. Personnel. Staff with access to production systems or Customer Content undergo background checks where permitted by law and sign confidentiality agreements. Disciplinary measures apply to violations of security policies.",
        "ANNEX III — SUBPROCESSORS AT THE EFFECTIVE DATE",
        "The following Subprocessors process Personal Data on the Customer's behalf. The current list, including any changes notified under section 6.2, is published in the trust centre.",
        bullets([f"{name}: {purpose}. Location: {loc}." for name, purpose, loc in subprocessors]),
        "Tallyboard Pay card processing is provided by Northgate Payments Processing LLC as a Subprocessor only for the processing described above. For its own purposes, such as card scheme compliance and fraud prevention, Northgate acts as an independent controller under its own terms, which Tallyboard Pay merchants accept during onboarding.",
    ]
    return {
        "tag": "dpa",
        "text": join(blocks),
        "question": "Within how many hours after becoming aware of a Personal Data Breach must Tallyboard notify the Customer?",
        "answer": "36 hours",
        "quote": quote,
    }

@builder
def mobile_release_notes():
    quote = ("Version 5.14.0 brings offline time tracking to Android: timers keep running when you lose "
             "your connection, and time entries you create or edit offline are saved on your device and "
             "synced when you are back online.")
    DETAILS = {
        ('iOS', '28 May 2024'): "Text message receipts. When you take a payment with a Tap reader, the customer can now choose to receive the receipt by text message instead of email. Messages are sent from Tallyboard's number in the customer's country where available, and include your business name and a link to the full receipt.",
        ('Android', '1 July 2024'): 'About the security changes. Both changes came out of the annual independent security test of the apps. Neither issue was known to have been used against anyone, and you do not need to do anything beyond updating the app. Signing out and back in after updating moves your sign-in to the new protected storage straight away; otherwise it happens the next time your session is refreshed.',
        ('Android', '20 January 2025'): 'In detail. The Payments tab brings together everything that moves money through Tallyboard Pay: card payments taken with a Tap reader, payments made through links and invoices, refunds, and payouts to your bank account. Tap a payout to see which payments it includes and the processing fees deducted, which makes it easier to match payouts against your bank statement.',
        ('Android', '2 December 2024'): 'Non-human resources. Equipment and rooms can be added as members with the new resource type in the web app, and then booked on the schedule like people. This is popular with studios that book edit suites, vans or shared equipment, and it means those bookings appear next to the people who will use them.',
        ('Android', '28 October 2024'): "Project notifications. Each project now has its own notification settings: everything, only mentions and assignments, or nothing. The default for new projects is 'only mentions and assignments', and existing projects keep the behaviour they had. The settings are per person, so changing them does not affect anyone else on the project.",
        ('Android', '2 September 2024'): "About the daylight saving fix. Timers are stored in coordinated universal time and displayed in your device's time zone. A timer that was running across a daylight saving change and synced from offline storage could be displayed with the wrong offset. The underlying data was correct, and the fix only changes how those entries are displayed; you do not need to edit them.",
        ('iOS', '19 August 2024'): 'If your project list was empty after updating to 5.13.1, you did not lose any data; the list was not refreshed until the app restarted. Updating to this version fixes it without any action from you.',('Android', '3 March 2025'): "In detail. The new editor is the biggest change to invoicing on mobile since the apps were launched. Line items can be pulled in from unbilled time and expenses on any project for the client, grouped by task, person or date, and edited before you send. Discounts can be applied per line or to the whole invoice, and tax rates come from your workspace's saved rates, including compound taxes. Invoices you start on your phone can be finished on the web and the other way round; drafts sync within a few seconds. Sending still uses your workspace's email template and branding.", ('iOS', '24 February 2025'): 'In detail. On iPad, the editor shows the invoice preview side by side with the line items, and you can drag time entries from the unbilled list into the invoice. On iPhone, the preview is one swipe away. Both layouts support Dynamic Type up to the largest accessibility sizes, and every control in the editor has a VoiceOver label; this was one of the goals of the redesign after accessibility testing with screen reader users earlier in the year.', ('iOS', '27 January 2025'): 'In detail. Payment links let you take a card payment without sending an invoice, which is useful for deposits, one-off jobs and in-person sales when you do not have a Tap reader with you. A link can be for a fixed amount or let the client enter the amount, can be used once or many times, and can be switched off at any time. Payments made through links appear in the Payments tab and in your payouts like any other Tallyboard Pay payment, with the usual processing fees.', ('iOS', '9 December 2024'): "In detail. The schedule view is available to workspace owners, administrators and members with the manager role. It shows each person's booked hours against their capacity for the week, with time off taken from Tallyboard's time off records. You can move bookings by dragging them to another day or another person; changes are visible to the people affected straight away and they receive a notification. Editing capacity and working hours still requires the web app.", ('iOS', '4 November 2024'): 'In detail. Until this release, Tap reader firmware could only be updated from the web app with the reader connected by USB. Now the app checks for updates whenever it connects to a reader, downloads them in the background, and installs them when the reader is charging and has not been used for two minutes, so an update never interrupts a payment. A reader that is more than two firmware versions behind asks to be updated before its next payment, because older firmware eventually stops meeting card scheme requirements.', ('iOS', '7 October 2024'): 'In detail. The redesign started from a simple observation: most people open the app to do one of three things, which are start or stop a timer, check what they should work on today, and see whether they have been paid. The new home screen puts those three things together, and everything else moved one tap further away. Navigation now uses a tab bar with Home, Projects, Time, Invoices and Payments. Your existing data, settings and widgets carry over, but widgets may need to be added again after the update.', ('Android', '30 September 2024'): 'Upgrading from 5.x. The first time you open version 6.0.0, the app migrates its local database, which can take up to a minute on older devices with a lot of cached projects; keep the app open until the home screen appears. Any changes you made offline in 5.x are synced before the migration starts, so make sure you are connected the first time you open the new version.', ('iOS', '9 September 2024'): "In detail. Passkeys replace the password and the six-digit code with a single confirmation using Face ID, Touch ID or your device passcode, and they cannot be phished because they only work on Tallyboard's real domain. You can add a passkey from Settings > Security. Workspaces that require two-factor authentication accept a passkey as a second factor. Codes from an authenticator app continue to work, and you can keep both.", ('Android', '12 August 2024'): 'In detail. The app keeps up to 30 days of changes on the device while offline. When the connection returns, changes are sent in the order you made them, and the banner counts down as they sync. Creating invoices and taking card payments still need a connection, because both have to be confirmed by our servers; the app tells you if you try while offline.', ('iOS', '8 July 2024'): 'In detail. This release introduced the offline storage layer that both apps now share. It keeps the projects and tasks you have opened in the last 14 days available without a connection, along with your timers and time entries. Attachments are not stored offline unless you open them first.', ('Android', '3 June 2024'): "In detail. The Tap Dock holds the reader upright at the counter, charges it through the dock's USB-C cable, and makes it easier for customers to tap or insert their card. The app shows the dock's charging status and warns you if the reader has not charged for more than an hour while docked, which usually means the cable or power adapter is not supplying enough power. Use the adapter supplied with the dock or another adapter rated at 18 W or more.", ('Android', '6 May 2024'): 'In detail. Reminders use your working hours, which you can set per day of the week. If you have tracked no time by the end of your working day, the app sends one notification; it never sends more than one a day, and you can turn reminders off in Settings > Notifications. Reminders do not run on days marked as time off in Tallyboard.'}
    R = [
        ("Android", "3 March 2025", "Version 6.4.0 adds the redesigned invoice editor to Android.", [
            "New: create and edit invoices with the same editor as the web app, including line items from tracked time and expenses, discounts, and tax rates.",
            "New: attach photos of receipts to expenses straight from the camera.",
            "Improved: the project list loads about twice as fast for workspaces with more than 500 projects.",
            "Fixed: the due date picker showed the wrong first day of the week for some locales.",
        ]),
        ("iOS", "24 February 2025", "Version 6.4.0 adds the redesigned invoice editor to iPhone and iPad.", [
            "New: the invoice editor now matches the web app, including line items from tracked time and expenses.",
            "New: on iPad, drag tasks between columns in board view with a pointer or a finger.",
            "Improved: VoiceOver now reads line item totals and tax amounts in the invoice editor.",
            "Fixed: the Today widget sometimes showed a timer as running after it was stopped on another device.",
        ]),
        ("Android", "10 February 2025", "Version 6.3.2 is a maintenance release.", [
            "Fixed: tapping a push notification for a comment opened the project instead of the comment.",
            "Fixed: the app could crash when rotating the screen while an attachment was uploading.",
        ]),
        ("iOS", "27 January 2025", "Version 6.3.0 brings Tallyboard Pay payment links to the app.", [
            "New: create a payment link for any amount and share it by message or QR code.",
            "New: see the status of each payment link and the payments made through it.",
            "Improved: Tap reader pairing now explains what to do when Bluetooth permission is off.",
            "Fixed: searching for a client by tax ID returned no results.",
        ]),
        ("Android", "20 January 2025", "Version 6.3.0 brings Tallyboard Pay payment links to Android.", [
            "New: create and share payment links, including as a QR code that clients can scan at the counter.",
            "New: a Payments tab shows recent card payments, refunds and payouts.",
            "Fixed: amounts in Indian rupees were grouped incorrectly in the payments list.",
        ]),
        ("iOS", "13 January 2025", "Version 6.2.1 is a maintenance release.", [
            "Fixed: bookings moved on the schedule on iPad sometimes snapped back to their original day until the view was refreshed.",
            "Fixed: the app asked for notification permission again after every update.",
            "Improved: the schedule view remembers whether you last looked at this week or next week.",
        ]),
        ("Android", "6 January 2025", "Version 6.2.1 is a maintenance release.", [
            "Fixed: capacity bars on the schedule ignored half-day time off.",
            "Fixed: some devices showed a blank screen for a second when returning to the app from the camera.",
        ]),
        ("iOS", "9 December 2024", "Version 6.2.0 adds resource planning views for managers.", [
            "New: see who is booked on what this week and next, with capacity bars for each person.",
            "New: time off recorded in Tallyboard appears on the schedule.",
            "Improved: the timer now shows the project colour on the Lock Screen Live Activity.",
            "Fixed: switching workspaces sometimes kept the previous workspace's filters.",
        ]),
        ("Android", "2 December 2024", "Version 6.2.0 adds resource planning views for managers.", [
            "New: schedule view with weekly capacity for each member, including equipment and rooms.",
            "Improved: the app now supports Android's predictive back gesture.",
            "Fixed: the home screen widget did not update after the device restarted until the app was opened.",
        ]),
        ("iOS", "18 November 2024", "Version 6.1.1 is a maintenance release.", [
            "Fixed: firmware updates could stall at 99% on readers with less than 20% battery. The app now waits until the reader has charged to 30% before starting an update.",
            "Fixed: the Payments tab showed payouts in the workspace's currency instead of the payout currency for multi-currency workspaces.",
        ]),
        ("iOS", "4 November 2024", "Version 6.1.0 supports Tap reader firmware updates from the app.", [
            "New: when a Tap reader needs a firmware update, the app downloads and installs it while the reader is charging.",
            "Improved: card payment screens use larger text and higher contrast so that customers can read the amount at arm's length.",
            "Fixed: the app could ask for Face ID twice when opening it from a notification.",
        ]),
        ("Android", "11 November 2024", "Version 6.1.1 is a maintenance release.", [
            "Fixed: the reader firmware download restarted from the beginning after the app was sent to the background.",
            "Fixed: project notification settings were not saved when changed from the project's menu.",
        ]),
        ("Android", "28 October 2024", "Version 6.1.0 supports Tap reader firmware updates from the app.", [
            "New: automatic firmware updates for Tap readers while they are charging.",
            "New: choose which notifications you receive for each project.",
            "Fixed: time entries with a duration of exactly 24 hours could not be saved.",
        ]),
        ("iOS", "21 October 2024", "Version 6.0.1 is a maintenance release.", [
            "Fixed: the home screen showed overdue invoices from all workspaces instead of the current one.",
            "Fixed: dark mode used light backgrounds in the Gantt view.",
            "Improved: the tab bar labels are now shown at all text sizes instead of being hidden at the largest sizes.",
        ]),
        ("iOS", "7 October 2024", "Version 6.0.0 is a redesign of the app.", [
            "New: a new home screen that shows your timer, today's tasks and overdue invoices together.",
            "New: dark mode follows the system setting, or can be set in the app.",
            "Changed: the app now requires iOS 16 or later.",
            "Improved: the app uses the system font size setting everywhere, including in charts.",
        ]),
        ("Android", "14 October 2024", "Version 6.0.1 is a maintenance release.", [
            "Fixed: the database migration could fail on devices with less than 500 MB of free storage. The app now asks you to free up space before it starts.",
            "Fixed: the timer widget showed 00:00 after the update until it was removed and added again.",
        ]),
        ("Android", "30 September 2024", "Version 6.0.0 is a redesign of the app.", [
            "New: the same new home screen as on iOS, built with Material 3.",
            "New: dynamic colour on Android 12 and later.",
            "Changed: the app now requires Android 9 or later.",
            "Fixed: the keyboard covered the comment box on some tablets.",
        ]),
        ("iOS", "9 September 2024", "Version 5.15.0 adds two-factor authentication with passkeys.", [
            "New: sign in with a passkey saved in iCloud Keychain or a password manager.",
            "New: approve sign-ins on the web from the app with a push notification.",
            "Fixed: copying a task link copied the link to the project instead.",
        ]),
        ("Android", "2 September 2024", "Version 5.14.2 is a maintenance release.", [
            "Fixed: some timers synced from the device showed a duration one hour too long after a daylight saving time change.",
            "Fixed: the app could crash on Android 9 when opening a large PDF attachment.",
        ]),
        ("iOS", "19 August 2024", "Version 5.13.2 is a maintenance release.", [
            "Fixed: the list of projects could be empty after updating the app until it was restarted.",
            "Fixed: invoice PDFs shared from the app were named with the invoice ID instead of the invoice number.",
        ]),
        ("Android", "12 August 2024", quote, [
            "New: a banner shows when you are offline and how many changes are waiting to sync.",
            "New: if the same time entry is edited on two devices while one of them is offline, the app asks you which version to keep.",
            "Improved: the timer notification shows the task name as well as the project.",
            "Fixed: the back button closed the app instead of the open task when opened from a widget.",
        ]),
        ("iOS", "22 July 2024", "Version 5.13.1 is a security and maintenance release.", [
            "Security: requests made while pairing a Tap reader now use certificate pinning.",
            "Fixed: time entries created from Siri Shortcuts were assigned to the wrong task.",
        ]),
        ("iOS", "8 July 2024", "Version 5.13.0 brings offline time tracking to iPhone and iPad: start and stop timers and create time entries without a connection, and they sync when you are back online.", [
            "New: an offline indicator in the timer shows when changes are waiting to sync.",
            "New: Siri Shortcuts to start a timer for a recent task.",
            "Fixed: the Gantt view on iPad did not scroll to today when opened.",
        ]),
        ("Android", "1 July 2024", "Version 5.13.0 improves security and accessibility.", [
            "Security: sign-in tokens are now protected by the Android Keystore.",
            "Security: requests made while pairing a Tap reader now use certificate pinning.",
            "Improved: TalkBack reads the timer state and elapsed time.",
            "Fixed: reports exported as CSV used the device language for column headings.",
        ]),
        ("iOS", "10 June 2024", "Version 5.12.2 is a maintenance release.", [
            "Fixed: push notifications stopped arriving for some users after they changed their Tallyboard email address.",
        ]),
        ("Android", "3 June 2024", "Version 5.12.0 adds the Tap Dock.", [
            "New: pair a Tap Dock to keep your reader charged at the counter and see its charging status in the app.",
            "Improved: the reader battery level is shown on the payment screen.",
            "Fixed: tips entered on the reader were not included in the receipt email.",
        ]),
        ("iOS", "28 May 2024", "Version 5.12.0 adds the Tap Dock.", [
            "New: Tap Dock pairing and charging status.",
            "New: receipts can be sent by text message as well as email.",
            "Fixed: landscape mode on iPhone cut off the payment amount on smaller screens.",
        ]),
        ("Android", "6 May 2024", "Version 5.11.0 adds time tracking reminders.", [
            "New: a reminder at the end of your working day if you have not tracked any time.",
            "New: set your working hours in the app's settings.",
            "Fixed: the app ignored the workspace's week start setting in the timesheet.",
        ]),
        ("iOS", "29 April 2024", "Version 5.11.0 adds time tracking reminders.", [
            "New: end-of-day reminders and working hours.",
            "Improved: faster start-up on older devices.",
        ]),
        ("Android", "15 April 2024", "Version 5.10.1 is a maintenance release.", [
            "Fixed: Tap reader payments could time out on some Samsung devices when battery optimisation was switched on.",
            "Fixed: the project search did not find projects whose names contained accented characters.",
        ]),
        ("iOS", "2 April 2024", "Version 5.10.0 adds Tallyboard Pay refunds from the app.", [
            "New: refund a card payment, in full or in part, from the payment's details screen.",
            "New: receipts show your business address and tax number if you have added them in the web app.",
            "Fixed: the timer could stop when the phone switched from Wi-Fi to mobile data.",
        ]),
    ]
    blocks = [
        "Tallyboard Mobile — Release Notes for iOS and Android\nPublished by the Tallyboard Mobile team · help.tallyboard.com/mobile/releases",
        "These are the release notes for the Tallyboard apps for iPhone, iPad and Android phones and tablets, newest first. The apps are released every two to four weeks, usually on Mondays, and rolled out in stages: 10% of users on the first day, 50% on the third day and everyone within a week. If your app store does not show an update yet, it is probably on its way. Maintenance releases that fix crashes or security issues are rolled out to everyone on the same day.",
        "Supported versions. We support the two most recent major versions of each app. When a version is no longer supported, it keeps working for at least 90 days, but it stops receiving fixes, and after that the app asks you to update before you can sign in. Tallyboard Pay and Tap reader payments always require a supported version of the app, because card scheme rules require us to keep payment software up to date.",
        "Operating system requirements. From version 6.0.0, the iOS app requires iOS 16 or later and the Android app requires Android 9 or later. Version 5.15.0 for iOS and version 5.14.2 for Android are the last versions that run on older systems. Tap reader payments on Android require a device with Bluetooth Low Energy and Google Play services.",
        "Feature differences between platforms. Most features arrive on iOS and Android within a few weeks of each other, and sometimes in the same week; where a feature reaches one platform first, the notes for that platform say so. Features that depend on a platform, such as Live Activities and Siri Shortcuts on iOS or home screen widgets with dynamic colour on Android, exist only where the platform supports them. The web app at app.tallyboard.com remains the place for workspace administration, billing and integrations.",
        "Known issues in current versions. On some Android 14 devices from one manufacturer, the Tap reader disconnects when the screen turns off during a payment; until the manufacturer's update is released, keep the screen on during payments or turn off battery optimisation for the Tallyboard app. On iPadOS, the invoice editor preview can show the previous version of an invoice for a moment after you change a line item; the correct version is always the one that is sent. Both issues are tracked and will be listed as fixed in the notes for the release that fixes them.",
        "Security updates. When a release fixes a security issue, the notes list it with the word Security, without technical details that would help someone attack users who have not updated yet. More information is published in the security advisories on the trust centre once most users have updated, usually after 30 days.",
        "Coming next. The next releases focus on expenses and approvals: approving timesheets and expenses from the app, mileage tracking with the phone's location (only while a trip is being recorded, and only if you allow it), and scanning receipts with text recognition so that the amount and date are filled in for you. As always, dates depend on testing, and features reach the beta programme first.",
        "Reporting problems. If something in a release does not work as described, report it from the app (Settings > Help > Report a problem), which attaches diagnostic logs without any of your project content. Our support team answers reports in the order they arrive and will tell you if a fix is planned for a coming release.",
    ]
    for platform, date, lead, items in R:
        blocks.append(f"## {platform} · released {date}")
        blocks.append(lead + "\n" + bullets(items))
        if (platform, date) in DETAILS:
            blocks.append(DETAILS[(platform, date)])
    blocks += [
        "Earlier releases. Release notes for versions before April 2024 are available in the archive on the help centre. If you are using a version from before April 2024, please update: those versions are no longer supported and cannot take Tallyboard Pay payments.",
        "Beta programme. If you would like to try new features before they are released, join the beta programme from Settings > Help > Beta on Android, or through the TestFlight link on the help centre on iOS. Beta builds are updated weekly. They are stable enough for daily use, but please keep the store version on the device you use to take card payments.",
    ]
    return {
        "tag": "release_notes",
        "text": join(blocks),
        "question": "Which version of the Android app added offline time tracking?",
        "answer": "5.14.0",
        "quote": quote,
    }

@builder
def quarterly_business_review():
    rng = random.Random(909)
    quote = ("Across the quarter, the median first response time for Priority 1 tickets was 11 minutes, "
             "and every Priority 1 ticket received a first response within the contractual target.")
    offices = ["London", "Manchester", "Edinburgh", "Dublin", "Rotterdam", "Copenhagen"]
    usage_rows = []
    for office in offices:
        seats = rng.randint(38, 92)
        active = [seats - rng.randint(0, 9) for _ in range(3)]
        usage_rows.append([office, seats] + active + [f"{round(100 * active[-1] / seats)}%"])
    blocks = [
        "Quarterly Business Review — Kittering & Moss Architects LLP\nQ2 2025 (April to June) · Prepared by Tallyboard Customer Success · Shared with Kittering & Moss under the Enterprise agreement",
        "Meeting held on 15 July 2025 at Kittering & Moss's London studio and by video. Attending for Kittering & Moss: Eleanor Finch (Chief Operating Officer), Rupert Adair (Finance Director), Saoirse Doyle (Head of Studio Operations, Dublin), Pieter de Graaf (IT Manager) and Anouk Visser (Project Controls Lead, Rotterdam). Attending for Tallyboard: Grace Kowalski (Account Manager), Imran Chowdhury (Customer Success Manager), Lena Fischer (Solutions Engineer) and, for the roadmap section, Kwame Asante (Chief Product Officer).",
        "Agenda: 1. Summary of the quarter. 2. Account overview. 3. Adoption and usage. 4. Outcomes against the goals agreed in April. 5. Tallyboard Pay. 6. Support and service. 7. Roadmap preview. 8. Risks and open issues. 9. Next steps.",
        "1. Summary of the quarter",
        "Q2 was the first full quarter with all six Kittering & Moss studios on Tallyboard, after Rotterdam and Copenhagen moved over from their previous tools in March. Adoption is strong: four in five licensed users were active every week in June, and timesheet completion reached the level the finance team asked for in April. The main open item is the integration with the firm's accounting system for multi-entity invoicing, which has taken longer than planned and is discussed in section 8.",
        "Service was stable. Availability of the Tallyboard web app for the quarter was 99.98%, above the 99.9% commitment in the Enterprise agreement, and response times for support tickets met the contractual targets for every priority level. One incident in May, a delay in sending invoice emails for about two hours, affected Kittering & Moss; it is covered in section 6.",
        "Relationship. Eleanor remains the executive sponsor for Tallyboard at Kittering & Moss, and Pieter is the day-to-day administrator. On the Tallyboard side, Grace took over as account manager in March from her colleague who moved to the North American team, and Imran has been the customer success manager since the start of the agreement. Monthly check-ins between Imran, Pieter and the studio managers continued through the quarter, and Grace met Eleanor and Rupert in May to review the seat increase and the integration timeline.",
        "2. Account overview",
        table(["Item", "Detail"], [
            ["Plan", "Enterprise, annual agreement"],
            ["Agreement term", "1 January 2025 to 31 December 2026 (two years)"],
            ["Licensed seats", "420 (increased from 380 on 1 April 2025)"],
            ["Workspaces", "1 workspace, 6 studio teams, 3 invoicing entities (UK, Ireland, Netherlands)"],
            ["Data region", "Europe (Dublin and Frankfurt)"],
            ["Single sign-on", "SAML with the firm's identity provider, enforced for all staff since 12 May 2025"],
            ["Integrations", "Accounting system (UK entity live; Ireland and Netherlands in progress), Slack, calendar sync"],
            ["Tallyboard contacts", "Grace Kowalski (account manager), Imran Chowdhury (customer success), Enterprise support line"],
        ]),
        "Kittering & Moss added 40 seats in April for the Copenhagen studio and the new interiors team in London. The agreement allows up to 10% additional seats at the contracted price at any time; beyond that, additional seats are priced under the agreement's seat schedule, and Grace will share a forecast in September so that any increase can be planned ahead of the 2026 budget.",
        "3. Adoption and usage",
        "Weekly active users are people who logged time, updated a task or edited an invoice at least once in the week. The table shows licensed seats and the average weekly active users in each month for each studio.",
        table(["Studio", "Seats", "April WAU", "May WAU", "June WAU", "June active share"], usage_rows),
        "Across the firm, weekly active users rose from 71% of licensed seats in April to 82% in June. The increase came mostly from Rotterdam and Copenhagen, whose teams completed their onboarding in April, and from the enforcement of single sign-on in May, which removed the login problems that some people had with separate passwords. The interiors team in London has the lowest share of active users, because several of its members are new joiners who were still being onboarded in June.",
        "Timesheet completion. The share of working days with a submitted timesheet by the Monday after the week ended rose from 78% in April to 93% in June, reaching the 90% goal agreed in April. The change was driven by the end-of-week reminders that Kittering & Moss switched on in May and by the studio managers' use of the timesheet approval view in their weekly meetings. Dublin has reached 97% and is now the reference studio for the others.",
        "Feature adoption. Resource planning is used by all six studio managers and by 31 project leads, up from 12 project leads in April. The Gantt view is used on 64% of active projects. Budget tracking is switched on for 88% of fee-earning projects, compared with 52% in March, after the finance team made it part of the project set-up checklist. Client portal links have been shared on 41 projects, mostly by the Dublin and Edinburgh studios for client approvals of drawings.",
        "Mobile. 212 people used the mobile apps in June, mainly for time tracking on site visits. The offline time tracking introduced in the apps last year has been useful on construction sites with poor coverage; Saoirse mentioned that site teams in Dublin now log time on the day instead of reconstructing it at the end of the week.",
        "Usage by role. Of the 420 licensed seats, 318 belong to architects, designers and technicians who mainly track time and update tasks; 54 to project leads and associates who also manage budgets and schedules; 22 to studio managers and directors; and 26 to finance, operations and administrative staff. Almost every project lead was active every week in June. The lowest activity is among directors, several of whom delegate time entry to their office staff; Pieter asked whether delegated time entry could be recorded as such, and Lena explained that staff with the time administrator permission can enter time on behalf of others and that those entries are marked in the audit log.",
        "Integrations. Calendar sync is switched on by 287 users, who see their Tallyboard schedule in their work calendar. The Slack integration posts budget alerts and approvals into project channels for 74 projects. The accounting integration for the UK entity created 1,146 invoices and 2,310 payment records in the accounting system during the quarter, with 7 sync errors, all caused by client records without a tax number and all resolved by finance within a day.",
        "Security and administration. Single sign-on was enforced for all staff on 12 May after a two-week pilot with the IT team and the Dublin studio. Since then, all sign-ins have gone through the firm's identity provider, and accounts for leavers are deactivated automatically when they are removed there. Pieter's team reviewed workspace permissions in June and reduced the number of workspace administrators from 19 to 7, in line with the recommendation from the Q1 review. The audit log, available on the Enterprise plan, was used twice in the quarter by the IT team to check who had exported client lists; both exports were legitimate.",
        "Data requests. Kittering & Moss made one personal data export request in the quarter, for a former employee, which Pieter completed with the self-service export tool. There were no deletion requests. Lena reminded the team that the data processing addendum and the latest security documentation are available in Tallyboard's trust centre, and that the firm's IT team can subscribe there to notifications of changes to Tallyboard's subprocessors.",
        "Training. Tallyboard ran nine training sessions for Kittering & Moss in Q2: four onboarding sessions for Rotterdam and Copenhagen, three sessions for project leads on budgets and resource planning, and two sessions for finance on invoicing for multiple entities. 188 people attended at least one session. Recordings are available in the firm's learning platform. Saoirse asked for a short refresher on the Gantt view for project leads who joined after the first round of training, and Imran will schedule it in September.",
        "Requests from users. The studio managers collected feedback from their teams before the review. The most frequent requests were a way to copy a project's task structure from a previous project of the same type, which already exists as project templates and will be covered in the refresher session; clearer warnings when time is logged against a project whose budget is already exhausted; and more control over which fields appear in the client portal.",
        "4. Outcomes against the goals agreed in April",
        table(["Goal agreed in April", "Measure", "Target", "Result in Q2", "Status"], [
            ["Complete timesheets on time", "Share of days submitted by Monday", "90%", "93% in June", "Met"],
            ["Shorten time from month end to invoices sent", "Working days after month end", "5 days", "6 days (from 9 in Q1)", "Improving"],
            ["Budget visibility on every fee-earning project", "Projects with budget tracking", "85%", "88%", "Met"],
            ["Reduce write-offs of unbilled time", "Unbilled time written off", "Below 4% of tracked time", "4.6%", "Not yet met"],
            ["Single sign-on for all staff", "SSO enforced", "By 30 June", "12 May", "Met"],
            ["Multi-entity invoicing from Tallyboard", "Entities integrated with accounting", "3 of 3", "1 of 3", "Delayed"],
        ]),
        "Invoice cycle time. Finance now sends most client invoices six working days after month end, down from nine in the first quarter. Rupert explained that the remaining delay is in the Irish and Dutch entities, whose invoices are still re-keyed into the accounting system; once the integration for those entities is live, the finance team expects to reach the five-day target. The UK entity already sends invoices within four working days on average.",
        "Write-offs. Unbilled time written off fell from 6.1% of tracked time in Q1 to 4.6% in Q2. The budget alerts that project leads now receive at 75% and 90% of budget have helped teams agree fee variations with clients before the work is done rather than after. Anouk suggested that Rotterdam's practice of reviewing budgets at every project team meeting be shared with the other studios, and Imran will run a short session with studio managers in August.",
        "Utilisation reporting. Studio managers now use the utilisation report every month to compare billable hours with capacity for each person. Average billable utilisation across fee earners was 71% in Q2, with a range from 64% in Copenhagen, where the team is still building its project pipeline, to 77% in Edinburgh. The firm's target is 75% for architects and 60% for associates and directors. Eleanor noted that this is the first time the firm has been able to compare utilisation across all six studios on the same basis, and asked that the report be added to the monthly management pack from July.",
        "5. Tallyboard Pay",
        "Kittering & Moss started accepting card payments on invoices through Tallyboard Pay for the UK entity in February and for the Irish entity in May. In Q2, 214 invoices were paid by card, with a total value of GBP 1.38 million and EUR 0.22 million. Card payments were mostly from smaller residential clients; commercial clients continue to pay by bank transfer. The average time from invoice sent to payment received for invoices paid by card was 9 days, compared with 34 days for invoices paid by bank transfer.",
        "Rupert asked whether processing fees could be passed on to clients who choose to pay by card. Lena explained that surcharging rules differ between the UK, Ireland and the Netherlands and that Tallyboard does not offer automatic surcharging; some customers add a separate line to invoices for clients who have agreed to card fees in their engagement letters. Rupert will take advice on this internally. Grace noted that the Enterprise agreement's Tallyboard Pay pricing schedule is reviewed at renewal and that volume could be taken into account then.",
        "Tap reader at reception. The London studio started using a Tap reader at reception in May to take payments for printing and model-making services billed to visiting clients and for the studio's public exhibition catalogue. Volumes are small, 63 payments in six weeks, but the reception team found it simpler than the previous terminal because payments appear in Tallyboard next to the related project. After the network change mentioned in section 6, Pieter's team added the reader to the list of devices allowed on the guest network.",
        "Payouts for the UK entity arrive on a two-day rolling schedule and for the Irish entity on a daily schedule. Finance raised no issues with payouts in the quarter. The payouts report now matches the accounting system's bank feed without manual adjustment for the UK entity.",
        "6. Support and service",
        "Availability. The web app's availability was 99.98% for the quarter (99.99% in April, 99.96% in May and 99.99% in June). The mobile apps and the API had the same availability. Planned maintenance took place on two Sunday mornings, outside the measurement of the availability commitment, and was announced more than five working days in advance on the status page.",
        "Enterprise support. Kittering & Moss has access to Tallyboard's Enterprise support line, which is staffed around the clock for Priority 1 issues, and to named support engineers in Lisbon and Dublin during extended business hours, 07:00 to 20:00 UK time on working days. Tickets can be raised by email, from the web app or by phone for Priority 1 issues. Pieter and the studio managers are registered as authorised contacts, which means their tickets are routed to the Enterprise queue automatically.",
        "Incident on 14 May. For about two hours on the afternoon of 14 May, invoice emails were queued instead of sent because of a fault in Tallyboard's email delivery pipeline. Invoices were created correctly and all queued emails were sent once the fault was fixed. Kittering & Moss had 23 invoices in the queue. Grace shared the incident report with Eleanor and Rupert on 21 May. The incident did not affect the availability figure, because the web app itself remained available, but Tallyboard treated it as a significant incident and has changed how the email pipeline is monitored.",
        "Tallyboard's review of the incident found that a configuration change to the email delivery pipeline had reduced the number of workers sending emails, so that the queue grew faster than it was processed during the afternoon peak. The alert that should have warned the on-call team measured the age of the oldest email in the queue only every thirty minutes. Both problems have been fixed, and the alert now checks the queue every minute. Rupert asked whether clients had received duplicate invoices when the queue was processed; Grace confirmed that they had not, because every email is sent exactly once from the queue.",
        "Ticket volume. Kittering & Moss opened 96 support tickets in Q2, compared with 131 in Q1. The reduction came mainly from fewer login and access questions after single sign-on was enforced. The most common topics were invoice templates for the different entities (18 tickets), permission settings for project leads (14), the accounting integration (12) and Tap reader set-up for the London reception desk (5).",
        table(["Priority", "Definition in the Enterprise agreement", "Tickets in Q2", "Tickets in Q1"], [
            ["Priority 1", "Service unavailable or a critical function unusable for many users, no workaround", "3", "2"],
            ["Priority 2", "Important function impaired for many users, or unusable with a workaround", "17", "21"],
            ["Priority 3", "Question, minor defect or issue affecting a single user", "76", "108"],
        ]),
        "Response times. The Enterprise agreement sets first response targets of 15 minutes for Priority 1 tickets, at any time of day, 1 hour for Priority 2 tickets during extended business hours, and 4 business hours for Priority 3 tickets. " + quote + " The three Priority 1 tickets in the quarter were the invoice email incident on 14 May, a single sign-on configuration problem on 12 May when enforcement was switched on, and a Tap reader payment failure at the London reception that turned out to be a network change on the firm's side. The median first response time for Priority 2 tickets was 38 minutes, and for Priority 3 tickets 2 business hours and 5 minutes. In the first quarter, the median first response for Priority 1 tickets had been 14 minutes, on two tickets.",
        "Resolution. Priority 2 tickets were resolved in a median of 6 business hours, and Priority 3 tickets in a median of 1.4 business days. Five tickets remained open at the end of the quarter, all related to the accounting integration for the Irish and Dutch entities, and are being handled together with the integration project described in section 8.",
        "Satisfaction. Kittering & Moss staff rated 71 of the tickets they raised, with an average satisfaction of 4.7 out of 5. Two ratings were below 4; both concerned the time taken to answer questions about the accounting integration, which Tallyboard support had to refer to the integrations team. Imran has agreed with support that integration questions from Kittering & Moss go straight to the integrations team until the project is complete.",
        "7. Roadmap preview",
        "Kwame presented the parts of Tallyboard's roadmap for the second half of 2025 that are most relevant to Kittering & Moss. The roadmap is shared for planning purposes and is subject to change; dates are not commitments under the Enterprise agreement.",
        bullets([
            "Recurring invoices, second version (planned for general availability in September): fee schedules with stages, retainers and automatic reminders, which should help with the firm's staged fee invoicing on large projects.",
            "Multi-entity improvements (fourth quarter): one client record shared across invoicing entities, with entity-specific tax settings and numbering.",
            "Approvals in the mobile apps (third quarter): approving timesheets and expenses from a phone.",
            "Portfolio reporting (fourth quarter): budget and utilisation across many projects, grouped by studio, sector or client, with scheduled delivery by email.",
        ]),
        "Rupert asked how the second version of recurring invoices would handle fee stages that are invoiced on completion rather than on a date. Kwame explained that a stage can be triggered by a date, by a task being marked complete, or manually by the project lead, and that the invoice is created as a draft for review unless the workspace chooses to send it automatically. Staged fees can also be linked to the project budget, so that the budget view shows what has been invoiced against each stage.",
        "Eleanor asked whether Kittering & Moss could join the beta for multi-entity improvements, given that it would remove much of the work currently done by hand in finance. Kwame agreed, and Lena will arrange a design session with Rupert's team in August.",
        "8. Risks and open issues",
        "Accounting integration for the Irish and Dutch entities. The integration for the UK entity went live in February. For the Irish and Dutch entities, the accounting system is configured with a different chart of accounts and tax codes, which the standard integration does not map automatically. Lena and Pieter have agreed a mapping approach, and Tallyboard's integrations team expects to deliver it by the end of August, with Kittering & Moss testing in September. Until then, finance will continue to re-key invoices for those entities. This is the main risk to the invoice cycle time goal.",
        "Renewal planning. The agreement runs until 31 December 2026. Grace proposed to begin renewal discussions in the first quarter of 2026, so that any changes to seats, support or Tallyboard Pay pricing can be agreed well before the firm's budget cycle. Eleanor agreed and asked that the discussion include the options for data residency if the firm opens its planned studio in Zurich.",
        "Interiors team onboarding. The new interiors team in London has lower usage than the other teams. Imran will run two onboarding sessions with the team leads in July, and the team's studio manager will start using the timesheet approval view in weekly meetings.",
        "9. Next steps",
        table(["Action", "Owner", "Due"], [
            ["Share seat forecast for the 2026 budget", "Grace Kowalski", "15 September 2025"],
            ["Budget review practice session with studio managers", "Imran Chowdhury", "29 August 2025"],
            ["Design session on multi-entity improvements with finance", "Lena Fischer", "22 August 2025"],
            ["Deliver mapping for Irish and Dutch accounting entities", "Tallyboard integrations team", "29 August 2025"],
            ["User acceptance testing of the accounting integration", "Pieter de Graaf and Rupert Adair", "26 September 2025"],
            ["Onboarding sessions for the interiors team", "Imran Chowdhury", "31 July 2025"],
            ["Internal advice on passing card fees to clients", "Rupert Adair", "31 August 2025"],
        ]),
        "The next quarterly business review is planned for mid-October 2025, covering the third quarter. Kittering & Moss asked that it include an early discussion of the renewal priorities for 2027, and Grace will propose a date in September.",
        "Appendix: metric definitions. Weekly active user: a licensed user who logged time, updated a task or edited an invoice at least once in a calendar week. Availability: the share of minutes in the period in which the web app responded successfully to the external monitoring checks, excluding announced maintenance. First response time: the time from a ticket being created to the first reply from a Tallyboard support engineer, excluding automatic acknowledgements, measured in calendar time for Priority 1 and in business hours for other priorities. Resolution time: the time from creation to the ticket being marked solved, excluding time waiting for the customer.",
    ]
    return {
        "tag": "qbr",
        "text": join(blocks),
        "question": "What was the median first response time for Priority 1 tickets in Q2 2025?",
        "answer": "11 minutes",
        "quote": quote,
    }

@builder
def incident_postmortem():
    quote = ("In total, 18,442 invoice emails were delayed by more than five minutes, of which 16,907 were "
             "first sends of new invoices and the rest were reminders and receipts.")
    timeline = [
        ("13:02", "Deploy 2024.08.02-3 of the mailer service begins. It includes the change to the worker pool configuration described in section 5."),
        ("13:09", "Deploy completes on all regions. Mailer workers restart with the new configuration; 4 workers per region start instead of 24."),
        ("13:15", "Afternoon peak of invoice sending begins in Europe, as it does most Fridays when customers send weekly invoices before the weekend."),
        ("13:31", "Queue depth in the EU region passes 1,000 messages. No alert fires; the queue-depth alert threshold was 20,000 at the time."),
        ("13:48", "First customer ticket: a customer in Portugal reports that an invoice shows as sent in the app but the client has not received it."),
        ("13:55", "Two more tickets about invoice emails. The support engineer on duty checks the email provider's status page, which shows no issues, and replies with the standard advice to check spam folders."),
        ("14:10", "Queue depth in the EU region reaches 5,800. The oldest message in the queue is 38 minutes old."),
        ("14:17", "The alert on the age of the oldest queued message evaluates for the first time since the deploy (it runs every 30 minutes) and fires for the EU region. The mailer on-call engineer is paged."),
        ("14:19", "On-call acknowledges. Initial hypothesis: the email provider is throttling Tallyboard's sending. On-call checks the provider dashboard, which shows normal acceptance rates but lower volume than usual."),
        ("14:26", "Support lead posts in #support-escalations that eleven tickets about missing invoice emails have arrived in forty minutes, mostly from EU customers."),
        ("14:31", "On-call notices that sending volume is lower than the queue's arrival rate and that throughput per worker is normal. Suspects a worker scaling problem."),
        ("14:34", "SEV2 declared in #inc-mailer. Incident commander joins. Communications lead is paged to prepare a status page update."),
        ("14:41", "Status page updated: 'Some invoice emails are delayed. Invoices are being created correctly and queued emails will be sent.'"),
        ("14:44", "On-call confirms from the deploy diff that the worker pool configuration key changed name in the deploy, so the service fell back to its default pool size of 4."),
        ("14:47", "Decision: roll back the deploy rather than patch forward, because the rollback path is tested and the deploy contains no urgent changes."),
        ("14:52", "Rollback begins. The US region queue is also growing, more slowly, because the US afternoon peak has not started yet."),
        ("15:03", "Rollback completes. Workers restart with the previous configuration: 24 workers per region."),
        ("15:05", "Queue drain begins. The email provider's per-account rate limit now becomes the bottleneck: Tallyboard can send at most 1,200 messages per minute across all regions."),
        ("15:09", "Queue depth in the EU region peaks. Incident commander asks whether to prioritise first sends of new invoices over reminders; the mailer has no priority lanes, so the decision is to let the queue drain in order."),
        ("15:18", "Email provider begins deferring a portion of messages to two large mailbox providers because of the sudden volume. Deferred messages are retried by the provider automatically."),
        ("15:24", "Status page updated with the cause and the expected drain time."),
        ("15:40", "EU queue depth below 1,000."),
        ("15:52", "EU queue empty. US queue empty shortly after. The oldest message sent during the drain had been queued for 2 hours and 31 minutes."),
        ("16:05", "Support begins replying to affected tickets with the incident macro. Customer-facing impact ends, apart from messages still being retried by the email provider."),
        ("16:40", "Email provider confirms all deferred messages have been delivered or permanently rejected."),
        ("16:45", "Incident resolved. Status page updated. Incident commander schedules the review meeting for 6 August."),
    ]
    blocks = [
        "Incident Review: Delayed invoice emails on 2 August 2024\nIncident INC-2024-0802 · Severity SEV2 · Status: final · Review meeting held 6 August 2024",
        "Authors: Wen Takahashi (mailer service on-call), Farah Haddad (incident commander). Reviewers: Marco Bianchi (engineering manager, Messaging), Keisha Mensah (support lead), Tomasz Kowalski (site reliability). This review follows Tallyboard's blameless incident review format: it describes what happened and why the system allowed it to happen, not who is at fault.",
        "1. Summary",
        "On Friday 2 August 2024, between 13:09 and 15:52 UTC, emails sent by Tallyboard on behalf of customers, including new invoices, payment reminders and payment receipts, were queued instead of being sent within the usual few seconds. A configuration key for the mailer service was renamed in a deploy, but the deployed configuration still used the old name, so the service started with its default of 4 workers per region instead of 24. The queue grew during the Friday afternoon invoicing peak in Europe. The problem was detected by an alert 68 minutes after it began, and by customers before that. Rolling back the deploy restored normal capacity, and the backlog was sent by 15:52 UTC. No emails were lost and no invoice was sent twice.",
        "The number of customers and emails affected was finalised after the incident, once the email provider had confirmed the outcome of deferred messages; the figures are in section 6. Invoices themselves were created and displayed correctly throughout, and clients could pay invoices through links they already had. The main effect on customers was that their clients received invoices up to two and a half hours late, and some customers, who saw an invoice marked as sent in the app, believed that the email had been delivered when it had not.",
        "2. Background: how invoice emails are sent",
        "When a customer sends an invoice, the web app or the API creates the invoice, renders the email from the workspace's template, and places a message on the mailer queue for the workspace's region. The invoice is marked as sent at that point, which is the behaviour customers see in the app. Mailer workers take messages from the queue, apply suppression rules (for example, addresses that have bounced permanently), and hand each message to our email delivery provider, Postwing Mail, through its API. The provider then delivers the message to the recipient's mailbox provider, retrying on temporary failures for up to 72 hours.",
        "The same pipeline sends payment reminders, which are scheduled by the recurring jobs service according to each workspace's reminder settings, and payment receipts for Tallyboard Pay, which are triggered when a payment succeeds. Account emails, such as password resets and sign-in links, use a separate, smaller queue and separate workers, and were not affected by this incident.",
        "Email types. The pipeline carries five kinds of customer email. The volumes below are typical for a Friday in summer, and help explain which emails were affected most.",
        table(["Type", "Trigger", "Typical Friday volume", "Share at peak"], [
            ["Invoice, first send", "Customer sends an invoice from the app or API", "61,000", "About 70%"],
            ["Invoice reminder", "Recurring jobs service, per workspace settings", "17,500", "About 12%"],
            ["Payment receipt", "Tallyboard Pay payment succeeds", "9,800", "About 10%"],
            ["Estimate", "Customer sends an estimate", "4,200", "About 5%"],
            ["Client portal invitation", "Customer shares a portal link", "2,100", "About 3%"],
        ]),
        "History. The mailer was written in 2019 as a small service inside the main application and was split out in 2022 when invoice volume grew past what the application's background job system could handle reliably. The worker pool size has been changed by hand four times since then, each time in response to growth, and each time by editing the deployment configuration in the infrastructure repository. The refactoring that caused this incident was part of a broader effort to move every service's configuration into one consistent format.",
        "Capacity. In normal operation each region runs 24 mailer workers, and each worker can send roughly 40 messages per minute, which is limited mostly by the provider's API latency. Our contract with the provider allows a combined sending rate of 1,200 messages per minute across all regions. Normal peak demand is about 450 messages per minute, on Friday afternoons in Europe and at month end in both regions. The number of workers is set in the mailer's deployment configuration and is not autoscaled, because the provider's rate limit, not our compute capacity, is the real ceiling.",
        "Monitoring. Before the incident, the mailer had three relevant alerts: queue depth above 20,000 messages, the age of the oldest message above 15 minutes, and the provider's error rate above 2%. The age alert was evaluated by a scheduled job every 30 minutes, which was a relic of the job's original purpose as a daily report. The queue-depth threshold had been set high to avoid false alarms during month-end bulk sends, when customers with many clients send hundreds of invoices at once.",
        "Status shown to customers. The invoice list shows 'Sent' when the email is queued. The invoice's activity log records 'Email delivered' when the provider reports delivery, and 'Email opened' when the client opens it, if the client's mail program allows tracking. During the incident, the activity log for affected invoices showed 'Sent' without 'Email delivered', but most customers do not look at the activity log.",
        "3. Timeline",
        "All times are in UTC on Friday 2 August 2024.",
        "\n".join(f"{t} — {e}" for t, e in timeline),
        "4. Detection and response",
        "Detection. The first signal came from customers, 39 minutes after the deploy, in the form of support tickets. Those tickets were reasonably handled as individual delivery problems, because a single missing invoice email is almost always caused by the recipient's spam filtering, and the provider's status page showed no problems. The support team had no view of the mailer queue and no way to tell that many tickets had the same cause until the volume itself became the signal at 14:26. The age alert fired at 14:17, the first time it was evaluated after the queue began to grow, 68 minutes after the deploy. With the alert evaluated every minute, it would have fired at about 13:45.",
        "Diagnosis. The on-call engineer's first hypothesis, throttling by the provider, was reasonable given past incidents but cost about ten minutes. The useful clue was that throughput per worker was normal while total throughput was low, which pointed to the number of workers. The mailer's dashboard showed the worker count, but on a panel below the fold that is rarely used. Once the engineer looked at the deploy diff, the cause was clear within minutes.",
        "Mitigation. Rolling back was the right choice: it was fast and well tested. However, after capacity was restored, the backlog drained at the provider's rate limit, which extended the impact by about 50 minutes. We did not know in advance how long a large backlog would take to drain, and we had no way to send new invoices ahead of reminders. The provider's deferrals at 15:18 were caused by the sudden jump in volume to two large mailbox providers, which treat sharp increases as a spam signal. They resolved without action from us, but they could have damaged our sending reputation if the backlog had been larger.",
        "Decisions during the incident. Two decisions deserve a note. First, the incident commander considered raising the worker count above 24 to drain the backlog faster, but this would not have helped, because the provider's rate limit was already the bottleneck once the rollback completed, and more workers would only have produced more rate-limit errors. Second, the team considered pausing reminders to let new invoices through first. This required a code change to the recurring jobs service during an incident, and the team judged that the risk of a second problem outweighed the benefit for a backlog expected to clear within an hour. With hindsight, both decisions were sound, but the second one is exactly the kind of trade-off that priority lanes (action ACT-5) will make unnecessary.",
        "Communication. The status page was updated seven minutes after the SEV2 was declared, which is within our target. The first update did not tell customers whether they needed to resend invoices; several customers resent invoices manually during the incident, which caused their clients to receive the same invoice twice once the queue drained, even though Tallyboard itself sent each queued message only once. The second update, at 15:24, said that customers did not need to resend, but by then most of the resends had already happened.",
        "5. Root cause and contributing factors",
        "Root cause. A refactoring of the mailer's configuration loading, merged on 31 July, renamed the configuration key for the worker pool size from `mailer.workers` to `mailer.pool.size`. The deployment configuration for each region still set `mailer.workers`. The new code did not find `mailer.pool.size`, did not report the unknown key `mailer.workers`, and silently used the default pool size of 4. The deploy on 2 August was the first to include the refactoring.",
        "Why the change was not caught in review. The pull request changed 41 files, most of them mechanical renames. The reviewer checked the code but did not know that the deployment configuration lived in a different repository, and the author assumed that the configuration loader's tests would fail if a key was missing. They did not, because the tests used their own configuration files, which had been updated in the same pull request.",
        "Why the change was not caught in staging. The staging environment runs with the default pool size on purpose, to keep costs down, so the change had no visible effect there. The staging smoke test sends ten emails and checks that they arrive, which they did.",
        "Why the deploy was not stopped. The deploy process checks error rates and latency for ten minutes after each region is deployed. Neither changed: the mailer did not produce errors, and the latency of each send was normal. Queue growth is not one of the deploy health signals.",
        "Why the default was 4. The default pool size of 4 was chosen for developers' laptops and for staging, where a large pool wastes memory. Defaults that suit development but would be dangerous in production are a common pattern in our services. The configuration refactoring project has since agreed that services with production-critical settings will have no default for those settings: if the value is missing, the service will refuse to start and say which setting is missing.",
        "Similar incidents. This is the second incident in twelve months in which a configuration change behaved differently in production from staging without any error. In November 2023, a timeout setting for the search indexer was renamed in the same way and fell back to a default that was too short, which caused slow indexing for a day. That review recommended strict configuration validation, but the action was scheduled for the configuration refactoring project and had not yet been applied to the mailer. We have raised the priority of applying it to every service.",
        "Contributing factors. The age-of-oldest-message alert was evaluated every 30 minutes; the queue-depth alert threshold was too high to fire on a Friday peak; the deploy happened at 13:02, shortly before the known Friday peak in Europe, which our deploy guidelines do not discourage; support had no way to see the state of the mailer queue; and the app shows invoices as sent when the email is queued, which hid the delay from customers.",
        "Customer experience. The tickets describe what the incident felt like from the other side. One customer wrote that she had sent a final invoice to a client who was about to leave on holiday and had promised it would arrive before he left; another, a contractor, resent the same invoice three times because he thought he had typed the wrong address. Several customers asked why the app said 'Sent' when nothing had arrived, which is a fair question and the reason for action ACT-9. Two customers said they would have liked an email from Tallyboard explaining the delay, rather than finding out from their own clients.",
        "6. Impact",
        "Customers. 1,206 workspaces had at least one email delayed by more than five minutes, 941 of them in the EU region and 265 in the US region. Support received 64 tickets about the incident, and 23 customers posted about it on social media. The support team spent an estimated 31 hours on incident-related tickets over the following three days, including checking for customers who had resent invoices manually.",
        "Emails. At the peak, at 15:09, 9,310 messages were waiting in the EU queue and 2,870 in the US queue. " + quote + " The median delay for delayed emails was 54 minutes and the longest was 2 hours and 31 minutes. During the drain, the provider deferred 2,115 messages at least once; all but 37 of them were eventually delivered, and the 37 were permanently rejected by the recipient's mail server for reasons unrelated to the incident, such as mailboxes that no longer exist.",
        "Payments. Tallyboard Pay payments continued normally. Because payment receipts were delayed, 186 payers contacted the merchants they had paid to ask whether their payment had gone through, according to the merchants' own reports to support. We found no evidence of payments being made twice because of missing receipts.",
        "Service levels. The incident did not affect the availability of the web app, the API or Tallyboard Pay, which are the measures in our Enterprise agreements. Eleven Enterprise customers were affected and were contacted by their account managers on 5 August with a summary of the incident.",
        "7. What went well",
        bullets([
            "The rollback was fast and clean: twelve minutes from decision to restored capacity.",
            "Each queued message was sent exactly once; the queue's delivery guarantees worked as designed during a large backlog.",
            "The support lead recognised the pattern in the tickets and escalated it before the incident was declared.",
            "The status page was updated quickly once the incident was declared.",
        ]),
        "8. What went poorly",
        bullets([
            "The change was detected by customers first, and by an alert more than an hour after it began.",
            "A configuration mistake failed silently instead of stopping the service from starting.",
            "The deploy health checks did not include the signal that mattered most for this service: whether the queue was keeping up.",
            "Our first customer communication did not tell customers whether to resend invoices, which led to duplicates.",
            "We had no plan for draining a large backlog within the provider's rate limit, and no way to prioritise new invoices.",
        ]),
        "9. Where we got lucky",
        "The incident happened on a Friday in early August, when many European customers are on holiday and invoice volume is about 20% lower than on a typical Friday. At month end, the same fault would have produced a backlog roughly three times larger, which would have taken over two hours to drain at the provider's rate limit and would very likely have triggered much heavier deferrals by mailbox providers.",
        "10. Action items",
        table(["ID", "Action", "Owner", "Priority", "Status"], [
            ["ACT-1", "Fail mailer start-up on unknown or missing configuration keys", "Wen Takahashi", "P1", "Done 9 August"],
            ["ACT-2", "Evaluate the age-of-oldest-message alert every minute; lower the threshold to 10 minutes", "Tomasz Kowalski", "P1", "Done 5 August"],
            ["ACT-3", "Add queue growth rate to deploy health checks for queue-based services", "Tomasz Kowalski", "P1", "In progress"],
            ["ACT-4", "Move worker pool size into the mailer repository with a schema check in CI", "Wen Takahashi", "P2", "Done 16 August"],
            ["ACT-5", "Priority lanes in the mailer: first sends of invoices ahead of reminders", "Marco Bianchi", "P2", "Planned for Q4"],
            ["ACT-6", "Give support a read-only view of mailer queue health", "Keisha Mensah", "P2", "Done 20 August"],
            ["ACT-7", "Status page template for email delays, including advice on resending", "Farah Haddad", "P2", "Done 8 August"],
            ["ACT-8", "Discuss a burst allowance above the contracted rate with the email provider", "Marco Bianchi", "P3", "In progress"],
            ["ACT-9", "Show 'Queued' instead of 'Sent' in the invoice list until the provider accepts the message", "Product, Invoicing", "P3", "Under design review"],
        ]),
        "Follow-up with customers. On 5 August, support emailed every workspace owner whose workspace had at least one invoice email delayed by more than thirty minutes, explaining what had happened, confirming that no action was needed, and giving instructions for finding duplicate invoices in the rare cases where the customer had resent an invoice manually. Customers who had resent invoices and whose clients had paid twice were helped to refund the duplicate payment; support found four such cases.",
        "Lessons for other teams. Any service that works through a queue can fail in the same way: healthy by every request-level measure, while falling steadily behind. Teams that own queue-based services should check that they alert on the age of the oldest message, with a short evaluation interval, and that their deploy health checks include queue growth. The site reliability team will review every queue-based service against this list by the end of the quarter.",
        "Appendix: how the figures were calculated",
        "Delayed emails were counted from the mailer's message log as messages whose time from enqueue to provider acceptance was more than five minutes, between 13:09 and 15:52 UTC. Message types come from the template identifier. Workspaces were counted from the sending workspace identifier. Delivery outcomes of deferred messages come from the provider's event webhooks, reconciled with the provider's account report on 5 August. Ticket counts come from the support system, using the incident tag that support applied to related tickets, and include tickets opened up to 5 August.",
        "Questions about this review go to #messaging-team. The action items are tracked in the reliability board, and the review will be revisited at the September reliability meeting to confirm that the P1 and P2 actions are complete.",
    ]
    return {
        "tag": "postmortem",
        "text": join(blocks),
        "question": "How many invoice emails were delayed in total during the incident?",
        "answer": "18,442",
        "quote": quote,
    }

@builder
def supply_quality_agreement():
    quote = ("Supplier warrants to Tallyboard that each Product will, for a period of 18 months from the date "
             "of its delivery to Tallyboard, conform to the Specifications and be free from defects in design "
             "(to the extent Supplier is responsible for the design), materials and workmanship.")
    blocks = [
        "MANUFACTURING SUPPLY AND QUALITY AGREEMENT\nTap card reader (second generation) and Tap Dock\nContract reference TB-HW-2024-003",
        "This Manufacturing Supply and Quality Agreement (the \"Agreement\") is made on 12 March 2024 between Tallyboard, Inc., a Delaware corporation whose principal office is at 410 SW Morrison Street, Suite 900, Portland, Oregon 97204, United States (\"Tallyboard\"), and Kaiyuan Precision Electronics Co., Ltd., a company organised under the laws of the People's Republic of China whose registered office is at No. 18 Xinghua Road, Songshan Lake Hi-Tech Zone, Dongguan, Guangdong 523808, China (\"Supplier\").",
        "Background. Tallyboard designs and sells the Tap card reader and the Tap Dock to small businesses that accept card payments through Tallyboard Pay. Supplier is a contract manufacturer of electronic payment devices that holds the certifications needed to assemble and key-inject payment terminals. Tallyboard wishes Supplier to manufacture the second-generation Tap card reader and the Tap Dock to Tallyboard's designs, and Supplier wishes to do so, on the terms of this Agreement.",
        "1. Definitions",
        "In this Agreement: \"Products\" means the products listed in Schedule A, as updated by written agreement; \"Specifications\" means Tallyboard's product specifications, drawings, bills of materials, test specifications and cosmetic standards for each Product, as issued through the change control process in section 5; \"Approved Vendor List\" or \"AVL\" means the list of component manufacturers and part numbers approved by Tallyboard for each Product; \"Lot\" means a quantity of Products manufactured under the same conditions and identified by one lot number; \"Nonconforming Product\" means a Product that does not conform to the Specifications or to this Agreement; \"Epidemic Failure\" has the meaning in section 13.5; \"Tooling\" means all moulds, fixtures, test jigs and programming stations made or bought for the manufacture of the Products; \"Key Injection Facility\" means Supplier's secure room in which cryptographic keys are loaded into the Products; and \"Business Day\" means a day other than a Saturday, Sunday or public holiday in both Guangdong and Oregon.",
        "2. Scope",
        "2.1 Supplier will manufacture, test, key-inject, package and deliver the Products in accordance with the Specifications, this Agreement and each purchase order issued by Tallyboard. Supplier will procure all components and materials, except the secure element chips, which Tallyboard buys directly from their manufacturer and consigns to Supplier under section 5.4.\n\n2.2 This Agreement does not oblige Tallyboard to buy any minimum quantity of Products, except as stated in section 3 for binding forecasts and in section 4.6 for the volume commitment linked to the Tooling amortisation.\n\n2.3 Supplier will not manufacture any Product, or any product using Tallyboard's designs, Tooling or confidential information, for anyone other than Tallyboard. Supplier will not sell Nonconforming Products, excess Products or scrap that carries Tallyboard branding; such items must be destroyed under section 12.6.",
        "3. Forecasts and purchase orders",
        "3.1 By the fifth Business Day of each month, Tallyboard will provide Supplier with a rolling 12-month forecast of its requirements for each Product. The first 8 weeks of each forecast are binding and are covered by purchase orders; weeks 9 to 16 are a commitment for long-lead components only, as described in section 3.4; the remainder is for planning only.\n\n3.2 Tallyboard will issue purchase orders at least 10 weeks before the requested delivery date. Supplier will accept or reject each purchase order in writing within 3 Business Days; a purchase order that is consistent with the latest forecast and the agreed lead times may not be rejected. Supplier's acceptance is deemed if it does not respond in that period.\n\n3.3 Tallyboard may increase the quantity of an accepted purchase order by up to 20% with 6 weeks' notice before the delivery date, and Supplier will use reasonable efforts to meet larger increases. Tallyboard may reschedule a delivery by up to 4 weeks once per purchase order without charge.\n\n3.4 Long-lead components are the components so marked in the bill of materials, including the display, battery cells, and the near-field communication antenna module. If Tallyboard reduces its forecast for weeks 9 to 16, it will buy from Supplier, at Supplier's cost, any long-lead components Supplier bought to meet the earlier forecast that Supplier cannot use for other Tallyboard orders within 6 months or return to the component manufacturer.\n\n3.5 Allocation. If Supplier cannot meet its customers' total demand because of a shortage of components or capacity, it will allocate the available supply to Tallyboard at least in proportion to Tallyboard's share of Supplier's relevant production in the preceding 6 months, and will not give priority to any other customer for the same components or lines.\n\n3.6 Samples and pilot builds. Before mass production of a new Product or a major revision, Supplier will carry out an engineering validation build, a design validation build and a production validation build in the quantities agreed in the project plan. Units from these builds are invoiced at the prices in the project plan and may not be sold to customers unless Tallyboard confirms in writing that the production validation build is released for sale.",
        "4. Prices and payment",
        "4.1 The prices for the Products are set out in Schedule C and include all components, labour, testing, key injection, packaging, and delivery to the named place under section 10. Prices are in United States dollars and fixed for each six-month period beginning on 1 January and 1 July.\n\n4.2 At least 45 days before the start of each six-month period, the parties will review prices in good faith, taking into account changes in component costs of more than 5%, changes in exchange rates of more than 5%, and productivity improvements. Supplier commits to a cost reduction of at least 3% per year on the manufacturing value-add of each Product from the second year of mass production.\n\n4.3 Supplier will invoice each shipment on the date of delivery. Tallyboard will pay undisputed invoices within 60 days of receipt by wire transfer. Tallyboard may withhold payment for Products that it has rejected under section 11 until the rejection is resolved.\n\n4.4 Supplier will provide Tallyboard with a full cost breakdown for each Product (components, labour, overheads, yield loss, margin) at each price review, and Tallyboard may audit the cost breakdown once per year.\n\n4.5 Tooling. Tallyboard has paid or will pay for the Tooling listed in Schedule A. Tooling is the property of Tallyboard from the moment it is made or bought, must be marked as Tallyboard property, and must be kept in good working order by Supplier at its own cost, including repair and replacement caused by normal wear, for the first 1,000,000 cycles of each mould.\n\n4.6 Tooling amortisation. The cost of the tooling for the Tap Dock enclosure is amortised in the Product price over the first 150,000 units. If Tallyboard has bought fewer than 150,000 Tap Docks when this Agreement ends, Tallyboard will pay the unamortised balance.",
        "5. Components, changes and approved vendors",
        "5.1 Supplier will buy components only from the manufacturers and part numbers on the AVL and only through the manufacturer or its authorised distributors. Supplier will not use broker or grey-market components without Tallyboard's prior written approval, which will only be given in a shortage and subject to additional testing at Supplier's cost.\n\n5.2 Battery cells. Supplier will use only the battery cells and battery pack assemblies listed on the AVL, will keep incoming inspection records for every battery lot, including capacity, internal resistance and dimensional checks, and will not change the battery cell supplier, cell model or pack assembly process without Tallyboard's written approval following the qualification testing in section 7.4. This section reflects the importance of battery quality to the safety of the Products.\n\n5.3 Changes. Neither party will change the Specifications, the AVL, the manufacturing process, the manufacturing location, the test software or any sub-tier supplier of a critical component except through a written engineering change order approved by both parties. Supplier will notify Tallyboard of any proposed change at least 90 days before it is intended to take effect, with the reasons, the expected effect on quality, cost and delivery, and a qualification plan.\n\n5.4 Consigned components. Secure element chips consigned by Tallyboard remain Tallyboard's property. Supplier will store them in the Key Injection Facility, account for every chip by serial number, and report any loss or discrepancy to Tallyboard within 1 Business Day.\n\n5.5 End of life. If a component manufacturer announces the end of life of a component on the AVL, Supplier will notify Tallyboard within 10 Business Days and propose either a last-time buy or an alternative component for qualification.",
        "6. Quality system",
        "6.1 Supplier will maintain a quality management system certified to ISO 9001 and an environmental management system certified to ISO 14001 at each manufacturing site. Supplier will notify Tallyboard within 5 Business Days of any suspension or loss of a certification.\n\n6.2 Before mass production of each Product, Supplier will complete a production part approval process agreed with Tallyboard, including a process flow diagram, a process failure mode and effects analysis, a control plan, measurement system analysis for critical dimensions, and first article inspection reports for every part made with the Tooling. Tallyboard's written approval of the production part approval submission is required before Supplier ships any Product other than samples.\n\n6.3 Supplier will perform outgoing quality inspection on every Lot, using sampling under ISO 2859-1 at general inspection level II, with acceptance quality limits of 0.065 for critical defects, 0.4 for major defects and 1.5 for minor defects, as defined in the cosmetic and functional standards in the Specifications. Any Lot that fails outgoing inspection will be 100% inspected and reworked or scrapped before it is offered for inspection again.\n\n6.4 Supplier will record and keep for at least 7 years, for each Product unit, its serial number, Lot, date of manufacture, the results of every functional test, the firmware version installed, the key injection record, and the lot numbers of its battery, main board and display. Supplier will provide any of these records to Tallyboard within 2 Business Days of a request.\n\n6.5 Tallyboard and its designated representatives may audit Supplier's sites, processes and records on 10 Business Days' notice, or on 2 Business Days' notice after a quality or safety problem. Tallyboard may have a resident quality engineer at Supplier's main site during the first 6 months of mass production of any new Product, and Supplier will provide the engineer with a desk and access to the production floor.\n\n6.6 Supplier will train and certify every operator who works on the Products for the stations they operate, will keep training records, and will not allow uncertified operators to work on critical stations, which include key injection, battery pack assembly, ultrasonic welding of the enclosure and final test. Supplier will keep the operator turnover on the Tallyboard lines under review and will notify Tallyboard if more than 15% of certified operators on any line change in a calendar month.\n\n6.7 Supplier will hold at least 20 retained samples from every Lot for 3 years after its manufacture, stored in conditions that preserve them, for use in failure analysis and investigations.",
        "7. Testing",
        "7.1 Every unit of each Product will pass the in-circuit test, the functional test and the final test defined in the test specification before it is packaged. Test stations, fixtures and test software versions will be controlled under section 5.3.\n\n7.2 Every Tap card reader will complete a burn-in test of at least 4 hours at 45 degrees Celsius, including continuous card read cycles and a full charge and partial discharge of the battery, followed by a functional retest.\n\n7.3 From each Lot, Supplier will take samples for reliability tests at the frequency set out in Schedule B, including drop testing from 1.2 metres onto concrete on all faces and corners, tumble testing, button life, USB-C connector insertion cycles and salt fog exposure.\n\n7.4 Battery qualification. Any new battery cell or pack, and any change in their supplier or process, will be qualified by testing to IEC 62133-2 and UN 38.3 by an accredited laboratory, together with Tallyboard's additional tests for swelling after high-temperature storage and for overcharge protection. Supplier will repeat the swelling test on 5 samples from every battery lot before that lot is used.\n\n7.5 Supplier will report its first-pass yield for each test stage weekly, and will start a formal failure analysis whenever first-pass yield at final test falls below 97% for two consecutive days.\n\n7.6 Firmware. Supplier will load only firmware images released and signed by Tallyboard, obtained from Tallyboard's release server over an authenticated connection, and will verify the signature and version of the installed firmware on every unit at final test. Supplier will not modify, decompile or retain copies of firmware images except as needed to program the Products, and will delete superseded images from its programming stations within 5 Business Days of a new release.\n\n7.7 Test records. Test results will be uploaded to Tallyboard's manufacturing data portal within 24 hours of each test, with the unit serial number, station, software version and measured values, so that Tallyboard can monitor yields and investigate field returns without asking Supplier for records.",
        "8. Security of payment devices",
        "8.1 The Tap card reader is a payment device approved under the PCI PIN Transaction Security requirements. Supplier will maintain its Key Injection Facility in compliance with the PCI PIN Security Requirements and the requirements of the device approval, and will provide Tallyboard with its annual compliance assessment.\n\n8.2 Supplier will perform the tamper-response tests in the test specification on every unit and will ensure that no unit leaves the Key Injection Facility with keys loaded unless it has passed them. Units that fail will have their keys destroyed by the device's tamper response and will be recorded as scrap.\n\n8.3 Supplier will secure every unit, from key injection until delivery, in tamper-evident packaging with serialised seals, and will record the seal numbers in the shipment documentation so that Tallyboard can verify the chain of custody on receipt.\n\n8.4 Only employees of Supplier who have passed a background check, have been trained on the device security procedures and are named in the access list may enter the Key Injection Facility. Supplier will review the access list with Tallyboard quarterly.",
        "9. Packaging and labelling",
        "Supplier will package and label the Products in accordance with the packaging specification, including the retail box, the printed quick start guide in the languages specified for each market, the regulatory markings, the serial number and barcode labels, and the master carton labels. Supplier will use only packaging materials that meet the recycled content and plastic-free requirements of the packaging specification, and will not use any packaging artwork other than the latest version released by Tallyboard. Lithium battery shipping marks and documentation will comply with the rules for air and sea transport that apply to each shipment.",
        "10. Delivery",
        "10.1 Products are delivered FCA (Incoterms 2020) Supplier's warehouse in Dongguan, to the freight forwarder nominated by Tallyboard. Title and risk pass to Tallyboard on delivery, except that title to Products that Tallyboard rejects under section 11 passes back to Supplier on rejection.\n\n10.2 Supplier will deliver the quantities in each accepted purchase order on the agreed delivery date. Supplier will notify Tallyboard as soon as it becomes aware of any risk of late delivery, with the cause and a recovery plan. If a delivery is more than 5 Business Days late for reasons within Supplier's control, Supplier will, at Tallyboard's option, ship the late Products by air freight at Supplier's cost or pay a delay charge of 1% of the value of the late Products for each week of delay, up to 10%.\n\n10.3 Supplier's on-time delivery performance, measured as the share of purchase order lines delivered complete within 2 Business Days of the agreed date, will be at least 95% in each calendar quarter.",
        "11. Inspection and acceptance",
        "11.1 Tallyboard, or its logistics provider, may inspect each shipment after arrival at Tallyboard's distribution centre. Tallyboard will notify Supplier of any visible damage, shortage or Nonconforming Product found in incoming inspection within 15 Business Days of arrival. Acceptance under this section does not affect Tallyboard's rights under section 13.\n\n11.2 If the number of Nonconforming Products found in a sample exceeds the acceptance quality limits in section 6.3, Tallyboard may reject the whole Lot. Supplier will, at its cost and at Tallyboard's option, sort the Lot at Tallyboard's distribution centre using Supplier personnel or a third party approved by Tallyboard, or take back the Lot and replace it within 15 Business Days.",
        "12. Nonconforming Products and corrective action",
        "12.1 Supplier will respond to every notice of Nonconforming Product with containment actions within 24 hours, a root cause analysis within 5 Business Days, and a corrective and preventive action plan within 10 Business Days, using the 8D format or another format agreed with Tallyboard.\n\n12.2 Supplier will bear the cost of replacing Nonconforming Products and of freight in both directions. Where a Nonconforming Product has been sold to a Tallyboard customer, Supplier will also reimburse Tallyboard's reasonable costs of handling the return and sending a replacement to the customer, up to the amounts in Schedule B.\n\n12.3 Products returned by Tallyboard's customers and found by Tallyboard's returns team to be defective will be sent to Supplier in consolidated monthly shipments for failure analysis. Supplier will report the results of failure analysis on each returned unit within 20 Business Days of receipt.\n\n12.4 Supplier will keep a dedicated quality contact available to Tallyboard during Tallyboard's business hours and, for safety matters, at any time.\n\n12.5 Repeated quality failures are addressed through the escalation process in Schedule B, up to a meeting between the parties' senior executives.\n\n12.6 Supplier will destroy scrap and Nonconforming Products that are not returned to Tallyboard so that they cannot be reused, will destroy secure element chips from scrapped units under the supervision of its security officer, and will provide Tallyboard with a certificate of destruction listing serial numbers.",
        "13. Warranty",
        "13.1 " + quote + "\n\n13.2 Supplier further warrants that the Products will be manufactured in compliance with all applicable laws and the requirements of section 15, that they will be delivered with good title and free from any lien, and that no component will be counterfeit.\n\n13.3 The warranty in section 13.1 does not cover defects caused by misuse, accident, modification by anyone other than Supplier, or use outside the conditions in the Specifications, nor normal wear of the cosmetic surfaces. The batteries in the Products are covered by the warranty in section 13.1 in the same way as every other component, provided that their capacity after 500 full charge cycles is at least 80% of the rated capacity.\n\n13.4 For any Product that does not conform to the warranty, Supplier will at Tallyboard's option repair or replace it, or refund its price, and will bear the costs set out in section 12.2. For a Product sold to a Tallyboard customer, Supplier acknowledges that Tallyboard offers its customers a limited warranty of 12 months from the date of purchase, and that Tallyboard may hold stock for some months before sale.\n\n13.5 Epidemic Failure. An Epidemic Failure occurs when, for any Product, failures with the same root cause affect more than 1% of the units delivered in any period of 3 consecutive months, or more than 0.5% of units for a failure that could create a safety hazard, within 36 months of delivery. In the event of an Epidemic Failure, in addition to its other obligations, Supplier will bear the reasonable costs of any field action, including notifying customers, collecting and replacing affected units whether or not they have failed yet, freight, and the labour of Tallyboard's support and returns teams, up to the cap in section 19.2.",
        "14. Product safety and recalls",
        "14.1 Each party will notify the other within 24 hours of becoming aware of any incident in which a Product has caused or may have caused injury, fire, smoke, overheating, battery swelling or damage to property, or of any information suggesting that a Product may present a safety risk. Supplier will preserve all records and retained samples relevant to the incident.\n\n14.2 Tallyboard alone will decide whether to conduct a recall or other field action and will be responsible for communicating with customers and authorities. Supplier will cooperate fully, including by providing records under section 6.4 and failure analysis capacity, and will bear the costs of any recall to the extent that it results from a breach of this Agreement by Supplier.",
        "15. Compliance and responsible sourcing",
        "Supplier will comply with all laws that apply to the manufacture of the Products, including those relating to labour, health and safety, and the environment. The Products will comply with the restrictions on hazardous substances in the European Union, the United Kingdom and California, and with REACH. Supplier will follow the Responsible Business Alliance Code of Conduct, will carry out due diligence on the sourcing of tin, tantalum, tungsten, gold and cobalt in its supply chain, and will provide Tallyboard each year with a completed conflict minerals reporting template and cobalt reporting template. Supplier will not use forced, bonded or child labour, will not charge recruitment fees to workers, and will allow unannounced social compliance audits by a third party appointed by Tallyboard once per year.",
        "16. Confidentiality and intellectual property",
        "All Specifications, designs, firmware, test software and Tooling belong to Tallyboard. Supplier receives a non-exclusive licence to use them only to manufacture the Products for Tallyboard during the term. Improvements made by Supplier to Tallyboard's designs belong to Tallyboard; improvements to Supplier's general manufacturing processes belong to Supplier. Each party will keep the other's confidential information confidential for the term and 5 years after it, and for firmware, key management procedures and security information for as long as it remains confidential.",
        "17. Business continuity",
        "Supplier will maintain a business continuity plan for the manufacture of the Products, covering the loss of a production line, a key sub-tier supplier or the Key Injection Facility, and will test it once a year. Supplier will hold a safety stock of finished Tap card readers equal to 2 weeks of the average forecast demand for the following quarter, owned by Supplier until delivered against a purchase order. Supplier will notify Tallyboard within 24 hours of any event that is likely to disrupt supply, including power rationing, natural disasters, export controls and labour disputes.",
        "18. Term and termination",
        "This Agreement starts on the date above and continues for 3 years. It then renews for successive periods of 1 year unless either party gives notice of non-renewal at least 12 months before the end of the current period, which gives Tallyboard time to qualify another manufacturer. Either party may terminate this Agreement for material breach that is not remedied within 45 days of notice. On expiry or termination, Supplier will complete accepted purchase orders if Tallyboard asks, return all Tooling, consigned components and confidential information, and provide reasonable assistance for up to 6 months to transfer the manufacture of the Products to another manufacturer, at the rates in Schedule C.",
        "19. Liability and insurance",
        "19.1 Neither party is liable for indirect or consequential losses, except for breaches of confidentiality, Supplier's obligations under sections 14 and 15, and liability that cannot be limited by law.\n\n19.2 Subject to section 19.1, each party's total liability under this Agreement in each contract year is limited to the greater of USD 5,000,000 and the total amounts paid and payable by Tallyboard to Supplier in the preceding 12 months, except that Supplier's liability for Epidemic Failures and recalls is limited to USD 10,000,000 per event.\n\n19.3 Supplier will maintain product liability insurance with a limit of at least USD 10,000,000 per occurrence, naming Tallyboard as an additional insured, and property insurance covering the Tooling and consigned components at their replacement value.",
        "20. General",
        "This Agreement is governed by the laws of the State of New York, excluding the United Nations Convention on Contracts for the International Sale of Goods. Disputes that the parties cannot resolve through executive escalation will be finally resolved by arbitration administered by the Hong Kong International Arbitration Centre, seated in Hong Kong, in English. Either party may seek urgent injunctive relief from any competent court. Neither party may assign this Agreement without the other's consent, except to an affiliate or successor. This Agreement, with its schedules, is the entire agreement of the parties on its subject matter.",
        "SCHEDULE A — PRODUCTS AND TOOLING",
        table(["Product", "Tallyboard part number", "Description", "Tooling owned by Tallyboard"], [
            ["Tap card reader, second generation", "TB-TAP2-100", "Contactless, chip and swipe card reader with 2.4-inch display, 1,800 mAh battery, Bluetooth LE and USB-C", "Front and rear enclosure moulds, button mould, 6 test fixtures, key injection station"],
            ["Tap Dock", "TB-DOCK-100", "Weighted charging dock with pass-through USB-C and cable management", "Base and cradle moulds, 2 test fixtures"],
            ["Tap card reader accessory kit", "TB-TAP2-KIT", "USB-C cable and printed quick start guide, packed with each reader", "None"],
        ]),
        "SCHEDULE B — QUALITY TARGETS AND ESCALATION",
        table(["Measure", "Target", "Escalation if missed"], [
            ["Outgoing quality, lots accepted at first inspection", "At least 99%", "Weekly review with Tallyboard quality engineer"],
            ["Incoming inspection defect rate at Tallyboard", "Below 0.3%", "8D report and containment at Supplier's cost"],
            ["Field return rate, defects attributable to Supplier, first 12 months", "Below 1.2%", "Quarterly quality business review with executives"],
            ["First-pass yield at final test", "At least 97%", "Failure analysis under section 7.5"],
            ["On-time delivery", "At least 95% per quarter", "Recovery plan within 5 Business Days"],
            ["Reimbursement of customer return handling", "USD 18 per unit", "Not applicable"],
            ["Reimbursement of replacement shipping to customers", "USD 12 per unit in North America, USD 16 elsewhere", "Not applicable"],
        ]),
        "SCHEDULE C — PRICES",
        table(["Item", "Price from 1 July 2024", "Notes"], [
            ["Tap card reader, second generation", "USD 31.40 per unit", "Excludes consigned secure element"],
            ["Tap Dock", "USD 9.85 per unit", "Includes tooling amortisation of USD 0.60"],
            ["Tap card reader accessory kit", "USD 1.20 per kit", ""],
            ["Engineering support beyond scope", "USD 65 per engineer hour", "Pre-approved by Tallyboard in writing"],
            ["Transfer assistance under section 18", "USD 55 per engineer hour", ""],
        ]),
        "Signed for Tallyboard, Inc. by Petra Halvorsen, Vice President, Hardware and Store, and for Kaiyuan Precision Electronics Co., Ltd. by Zhou Wenjie, General Manager, each by electronic signature on 12 March 2024.",
    ]
    return {
        "tag": "supply_agreement",
        "text": join(blocks),
        "question": "For how long does the Supplier warrant each Product against defects, counted from delivery to Tallyboard?",
        "answer": "18 months",
        "quote": quote,
    }

@builder
def continuity_plan():
    quote = ("The recovery point objective for the Tallyboard Pay ledger database is 30 seconds, which is met by "
             "synchronous replication to a standby in a second availability zone and asynchronous replication "
             "to the recovery region.")
    blocks = [
        "Business Continuity and Disaster Recovery Plan\nTallyboard, Inc. · Plan owner: VP Infrastructure · Approved by the Risk Committee on 20 February 2025 · Version 5.0",
        "1. Purpose and scope",
        "This plan describes how Tallyboard keeps its services running, and restores them, when something seriously disrupts them: the loss of a cloud region or data centre, the loss of a critical supplier, a cyber attack that forces systems offline, or an event that prevents staff from working. It covers the Tallyboard web app, mobile apps and API, Tallyboard Pay, the Tallyboard Store, and the internal systems and people needed to run them. It does not cover day-to-day incidents that are handled by on-call engineers under the incident management process; it starts where that process needs more than a single team and a few hours.",
        "The plan is written for the crisis management team and the people who carry out recovery. It is deliberately short on technical detail: each recovery procedure points to the runbook that contains the commands and checks. Runbooks change more often than this plan and are owned by the teams that operate each system.",
        "Customers rely on this plan through our commitments to them: the availability commitments in Enterprise agreements, the security and availability criteria of our SOC 2 report, the incident notification duties in our data processing addendum, and, for Tallyboard Pay, the operational resilience requirements of our partner bank and the card schemes. Where this plan sets an objective that is stricter than a customer commitment, the plan wins internally; we never promise customers more than this plan can deliver.",
        "2. Roles",
        table(["Role", "Held by", "Responsibilities"], [
            ["Plan owner", "VP Infrastructure", "Maintains the plan, runs exercises, reports to the Risk Committee"],
            ["Crisis lead", "On-call executive (rotation of VPs and C-level)", "Declares a crisis, chairs the crisis management team, makes priority decisions"],
            ["Technical recovery lead", "Senior incident commander on duty", "Directs technical recovery across teams"],
            ["Payments lead", "VP Payments or delegate", "Tallyboard Pay recovery, partner bank and card scheme communication"],
            ["Communications lead", "Head of Communications or delegate", "Status page, customer and media communication"],
            ["People lead", "VP People or delegate", "Staff safety, welfare and availability"],
            ["Legal and compliance lead", "General Counsel or delegate", "Regulatory notifications, contractual obligations"],
            ["Scribe", "Assigned by the crisis lead", "Decision log and timeline"],
        ]),
        "Every role has at least two named deputies, listed in the crisis contact sheet, which is kept in the offline copy of this plan as well as on the intranet. The contact sheet is checked every quarter by the plan owner's team, who call each number.",
        "3. When the plan is invoked",
        "Any incident commander or executive can ask the crisis lead to invoke the plan. The crisis lead invokes it when any of the following applies, or when they judge that the situation is heading there: a tier 1 system is expected to be unavailable for longer than its recovery time objective; Tallyboard Pay cannot take payments or make payouts for more than one hour; data may have been lost, corrupted or encrypted by an attacker; a cloud region, data centre or critical supplier is unavailable with no estimate of recovery; or an event makes it unsafe or impossible for a significant number of staff to work.",
        "Crisis levels. Level 1 (significant): one service or location is affected and recovery follows a documented procedure. Level 2 (major): several services or a whole region are affected, or a documented procedure has failed. Level 3 (severe): the company's ability to operate is threatened, or there is a risk to life. The level sets how often the crisis management team meets (every 2 hours at Level 1, every hour at Level 2, continuously at Level 3) and who must be informed (the CEO at Level 2 and above, the Board chair and the partner bank at Level 3).",
        "Declaring and standing down. The crisis lead declares a crisis in the crisis channel and through the emergency notification system, which pages the crisis management team. The declaration states the level, what is known, and the time of the first meeting. The crisis lead stands the crisis down when the affected services are restored and stable, or when the remaining work can be handled by the normal incident process, and appoints an owner for the post-crisis review, which must be completed within 10 business days.",
        "Decision log. From the moment of declaration, the scribe keeps a log of every decision, who made it and why, and every external communication. The log is the basis for the post-crisis review and, where needed, for reports to customers, the partner bank, auditors and regulators. Decisions taken under pressure are expected to be imperfect; the log exists so that we can learn from them, not to assign blame.",
        "4. Business impact analysis",
        "The business impact analysis was updated in January 2025 through interviews with every department head. It identifies the business processes whose interruption would harm customers or the company, and how long each can be interrupted before the harm becomes serious (the maximum tolerable downtime). The analysis drives the system tiers in section 5.",
        table(["Business process", "Main systems", "Maximum tolerable downtime", "Main harm if exceeded"], [
            ["Customers plan work and track time", "Web app, mobile apps, API", "8 hours", "Customers lose a working day; Enterprise service credits"],
            ["Customers send invoices to their clients", "Web app, mailer, PDF rendering", "24 hours", "Customers' cash flow delayed; trust damaged"],
            ["Card payments through Tallyboard Pay", "Payments API, Tap reader service, processor link", "1 hour", "Merchants lose sales at the counter"],
            ["Payouts to merchants", "Ledger, payout pipeline, bank connector", "1 banking day", "Merchants' cash flow; partner bank and scheme obligations"],
            ["Store orders and shipping", "Store site, fulfilment partner", "3 days", "Delayed hardware; launch commitments"],
            ["Customer support", "Support desk, telephony", "4 hours", "Customers cannot get help during an outage"],
            ["Billing of Tallyboard subscriptions", "Billing system, payment provider", "5 days", "Delayed revenue; no direct customer harm"],
            ["Payroll and finance operations", "Finance systems", "5 days", "Staff pay; statutory deadlines"],
        ]),
        "5. System tiers and recovery objectives",
        "Each production system is assigned to a tier. The recovery time objective (RTO) is the maximum time from the decision to recover to the system being usable again; the recovery point objective (RPO) is the maximum amount of data, measured in time, that may be lost. Objectives apply to the loss of a whole region or data centre; failures within a region are expected to be handled much faster by automatic failover.",
        table(["Tier", "Systems", "RTO", "RPO"], [
            ["Tier 1", "Web app and API, main application database, authentication service, mobile app backends", "4 hours", "5 minutes"],
            ["Tier 1", "File storage (attachments, invoice PDFs)", "4 hours", "1 hour"],
            ["Tier 2", "Mailer, PDF rendering, search, webhook dispatcher, integrations sync", "8 hours", "15 minutes for queues; search is rebuilt"],
            ["Tier 2", "Support desk and status page (third-party)", "Supplier-dependent, target 4 hours", "Supplier-dependent"],
            ["Tier 3", "Analytics warehouse, internal reporting, data exports", "72 hours", "24 hours"],
            ["Tier 3", "Store site (third-party platform)", "Supplier-dependent, target 24 hours", "Supplier-dependent"],
        ]),
        "Tier 0. The Tallyboard Pay ledger, the payments API, the Tap reader service and the payout pipeline are tier 0: they hold or move money, and their objectives are set individually in section 9 together with the procedures that meet them. Tier 0 objectives are reviewed with the partner bank every year.",
        "Dependencies between tiers. Tiers describe how quickly a system must be back, but recovery also depends on what each system needs. The authentication service and the main application database are needed by almost everything else, which is why they are recovered first. The mailer can run without the main application, but only sends messages that were already queued. The webhook dispatcher and integrations sync can lag safely for hours, because they replay from their queues. The dependency map, generated from service configuration and reviewed at every exercise, is attached to the region failover runbook.",
        "6. Infrastructure overview",
        "Tallyboard runs in two regions. The United States region is hosted in a public cloud across three availability zones, with a recovery region in a second geographic area of the same provider. The European region runs on Tallyboard-owned servers in two colocation data centres, in Dublin and Frankfurt, operated by Corvane Data Centers, with Dublin as the primary site and Frankfurt as the recovery site. Customer data stays in the region where the workspace was created, including its backups and its recovery copy.",
        "Within each region, every tier 1 and tier 0 system runs in at least two failure domains (availability zones in the United States, separate halls with independent power and network in Dublin), and databases fail over automatically within the region. Between regions nothing fails over automatically: moving a region's service to its recovery site is always a decision of the crisis lead, because it is disruptive and usually irreversible for a few hours.",
        "Network. Each region has at least two internet transit providers and, in Europe, a private interconnect between Dublin and Frankfurt over two diverse paths. Traffic from customers reaches Tallyboard through the content delivery network, which can switch origins between the primary and recovery sites in under five minutes once the decision is made. Tap readers and the mobile apps connect to a separate set of hostnames so that payment traffic can be moved independently of the web app.",
        "Shared dependencies. Some systems are shared between regions, and their loss affects both: the identity provider used by staff, the source code hosting and build pipeline, the DNS provider, the content delivery network and the status page. Each has a documented alternative in section 11, and the two with the greatest impact, DNS and the build pipeline, have been tested without their primary provider in the last year.",
        "7. Backups",
        "Databases are backed up continuously, with point-in-time recovery for 35 days, and a full snapshot is copied to the recovery site every 6 hours. File storage is replicated to the recovery site continuously, with versioning so that deleted or overwritten files can be restored for 35 days. Backups are encrypted with keys held in the recovery site's key management service as well as the primary's, so that the loss of the primary site does not make backups unreadable.",
        "Ransomware protection. A separate copy of database snapshots and file storage is written every day to storage with object lock in compliance mode, in an account that production credentials cannot access and that only two named people in the security team can administer. These copies cannot be deleted or changed by anyone, including Tallyboard administrators, for 30 days. They are the last line of defence if an attacker gains administrative access to production.",
        "What is not backed up. Caches, search indexes, rendered PDFs that can be regenerated and queue contents older than their retention are not backed up, because they can be rebuilt from the data that is. Logs are retained in the logging platform under their own retention rules and are not part of the recovery copy; after a region failover, logs from before the failover remain available in the logging platform, which is not hosted in either production region.",
        "Restore testing. Every month, the database reliability team restores the main application database of each region from backup into an isolated environment and checks row counts and application-level consistency. Every quarter, the restore is done from the locked copy. Results are recorded in the restore log, which the SOC 2 auditors review. In 2024, every monthly restore succeeded; the slowest full restore of the European main database took 2 hours and 40 minutes.",
        "8. Recovery of tier 1 and tier 2 systems",
        "Region failover. If a region's primary site is lost, the technical recovery lead follows the region failover runbook, which has four stages: confirm that the primary cannot be recovered within the RTO and obtain the crisis lead's decision; promote the databases in the recovery site, accepting any data loss within the RPO; start the application services in the recovery site from the last release, using infrastructure definitions kept in the recovery site; and move traffic by changing DNS and the content delivery network's origin. The status page is updated at each stage.",
        "Order of recovery. Authentication comes first, then the main application and API, then file storage, then tier 2 systems in the order mailer, webhook dispatcher, integrations sync, PDF rendering and search. Search is rebuilt from the database and can take up to 6 hours for a large region; until it is complete, the app falls back to slower database queries for search.",
        "Data reconciliation. After a failover, some changes made in the last minutes before the loss may be missing. The reconciliation runbook compares the recovered database with the change logs that reached the recovery site, identifies the affected workspaces, and produces a list for support so that customers can be told exactly what may need to be re-entered. Customers are told through the status page and, for affected workspaces, by email.",
        "Recovery from a security incident. When systems may have been compromised, restoring quickly is less important than restoring safely. The security incident response plan takes precedence over this plan for containment and investigation. Recovery then follows a different path: systems are rebuilt from source code and infrastructure definitions rather than restored as they were, credentials and keys are rotated before any system is reconnected, and data is restored from the locked copies described in section 7 when there is any doubt about the integrity of the ordinary backups. The crisis lead and the security lead agree, and record in the decision log, which restore point is trusted.",
        "Failback. Returning to the primary site is planned as a separate change once the primary is healthy, usually at a weekend, and follows the same stages in reverse with no data loss, because the primary is resynchronised from the recovery site first.",
        "9. Tier 0: Tallyboard Pay",
        "Tallyboard Pay has stricter objectives because it moves money and because merchants use it at the counter, where a few minutes without card payments means lost sales. Its systems were designed from the start to survive the loss of a region without losing any confirmed payment.",
        "Payments API and Tap reader service. These services are stateless apart from the ledger and run active-active in two availability zones in each region. The RTO for the loss of a region is 30 minutes, achieved by running a warm standby in the recovery region that receives a small share of traffic at all times so that it is known to work. Tap readers retry a failed authorisation automatically against the standby. If both are unavailable, Tap readers can store up to 50 contactless payments of up to the merchant's offline limit and forward them when service returns, with the merchant bearing the risk of declines for those payments, as explained in the merchant terms.",
        "Card data. Tallyboard's systems never store full card numbers: Tap readers encrypt card data inside the reader, and only the card processor can decrypt it. Recovering Tallyboard Pay therefore never involves restoring card data, and backups of Tallyboard Pay systems are outside the scope of the card data environment. Payment tokens issued by the processor for saved cards remain valid after a failover because they are held by the processor.",
        "Ledger. The ledger records every movement of money between merchants, Tallyboard and the partner bank, and is the source of truth for balances and payouts. " + quote + " Its RTO is 1 hour. A confirmed payment is never acknowledged to a Tap reader or to the payments API until it is written to both the primary and the synchronous standby, so the loss of one availability zone loses no confirmed payments. The loss of a whole region can lose the last few seconds of ledger entries that had not yet reached the recovery region; the ledger reconciliation runbook recovers them from the card processor's authorisation records, which are independent of Tallyboard.",
        "Payout pipeline. Payouts can wait longer than payments, because they are made once per banking day. The RTO for the payout pipeline is the next batch cut-off for each currency, or 8 hours, whichever is later. The pipeline must not run from the recovery region until the ledger has been reconciled, because a payout based on an incomplete ledger could pay merchants the wrong amount. The payments lead decides, with Finance Operations, whether to delay a batch or ask the partner bank for a late submission window.",
        "Partner bank and card processor. If the card processor is unavailable, Tallyboard Pay cannot authorise card payments at all; there is no second processor today, and the business impact analysis records this as an accepted risk, reviewed each year, with a plan to add a second processor in 2026. The processor's own continuity arrangements are reviewed each year by the payments team. If the partner bank is unavailable, payouts wait; merchant funds remain safeguarded in the bank's designated accounts.",
        "Notifications. At crisis Level 2 or above involving Tallyboard Pay, the payments lead informs the partner bank within 2 hours, and the legal and compliance lead assesses whether card scheme or regulatory notifications are needed.",
        "10. People and workplaces",
        "Tallyboard is remote-first, so the loss of an office has little effect on operations. The main people risks are the loss of key individuals and events that affect many staff in one place, such as a regional disaster or a pandemic. Critical roles (on-call engineering, payments operations, support leads and the crisis roles in section 2) have deputies in at least two countries. Staff laptops are managed centrally, so a replacement laptop can be set up and shipped within 2 business days.",
        "Offices. If an office cannot be used, staff who normally work there work from home; the offices host no production systems, and the only operational equipment in an office is the Store returns bench in Portland, whose work can move to the fulfilment partner's facility for up to four weeks. Hardware testing equipment at the Reno lab is covered by the facilities plan rather than this plan, because it does not support any customer-facing service.",
        "Staff safety comes first. In an event that may endanger staff, the people lead contacts everyone in the affected area through the emergency notification system and keeps a record of who has responded. No one is asked to work while their safety or their family's safety is at risk.",
        "11. Suppliers",
        "Critical suppliers are those whose failure would stop a tier 0 or tier 1 system or a process with a maximum tolerable downtime of one day or less. For each, the supplier register records the supplier's own continuity commitments, the result of our last review, and our alternative: a second supplier, a manual workaround or an accepted risk. Examples include the cloud provider and Corvane for hosting, the card processor and partner bank for Tallyboard Pay, the DNS and content delivery providers, the email delivery provider, and the Store's fulfilment partner. For the DNS provider, a secondary provider holds a synchronised copy of every zone and can take over by a change at the domain registrar.",
        "12. Communications",
        "The status page is the primary channel for customers during a crisis, updated at least every 30 minutes at Level 2 and above, even if there is nothing new. Enterprise customers are contacted by their account managers. For Tallyboard Pay, merchants who are likely to be affected at the counter receive an in-app message and an email. The communications lead approves every external message; the legal and compliance lead reviews any message that mentions data loss or security. Staff are kept informed through a crisis channel and, if internal tools are unavailable, through the emergency notification system.",
        "13. Exercises",
        "The plan is exercised at least twice a year: one tabletop exercise with the crisis management team and one technical exercise in which a real failover is performed. The 2024 technical exercise failed the European region over from Dublin to Frankfurt on a Sunday in October. The main application recovered in 2 hours and 15 minutes, within its objective; the mailer took longer than planned because its queue configuration in Frankfurt was out of date, which has since been fixed. The 2024 tabletop exercise simulated a ransomware attack on the build pipeline and showed that the process for rotating all deployment credentials was undocumented; a runbook now exists.",
        "Exercises planned for 2025. The technical exercise in 2025 will fail over the United States region's main application to its recovery region, which has not been done since 2022, and will include the reconciliation of Tallyboard Pay ledger entries using the processor's authorisation records, which has so far only been rehearsed in a test environment. The tabletop exercise will simulate the loss of the email delivery provider during month-end invoicing, based on the lessons of the invoice email incident in August 2024.",
        "14. Maintenance of this plan",
        "The plan owner reviews this plan every year, after every exercise, and after every real invocation, and presents changes to the Risk Committee for approval. Teams that own systems must tell the plan owner when a change affects a recovery objective, a recovery procedure or a dependency listed here. An offline copy of the plan, the crisis contact sheet and the main runbooks is kept on encrypted storage by every member of the crisis management team and is refreshed after every approved change.",
    ]
    return {
        "tag": "bcp",
        "text": join(blocks),
        "question": "What is the recovery point objective for the Tallyboard Pay ledger database?",
        "answer": "30 seconds",
        "quote": quote,
    }

@builder
def product_requirements():
    quote = ("General availability is planned for 9 September 2025, when recurring invoices v2 becomes the "
             "default for every workspace on the Starter, Pro and Enterprise plans.")
    reqs = [
        ("R1", "Must", "A schedule has a client, a project (optional), a currency, line items, a start date and a frequency: weekly, every two weeks, monthly on a day of the month, monthly on the last working day, quarterly, or yearly."),
        ("R2", "Must", "A schedule can end after a number of invoices, on a date, or never."),
        ("R3", "Must", "Line items can be fixed (same amount every time) or pulled from the project: unbilled time, unbilled expenses, or both, for the period the invoice covers."),
        ("R4", "Must", "Each invoice is created as a draft for review, or sent automatically, as chosen per schedule. The default for new schedules is draft."),
        ("R5", "Must", "When a schedule sends automatically and the client has a saved card with Tallyboard Pay and has authorised automatic charges, the invoice is charged on its issue date."),
        ("R6", "Must", "If an automatic charge fails, it is retried 3 days, 5 days and 7 days after the first attempt; after the last failure the invoice stays open and the workspace is notified."),
        ("R7", "Must", "Fee stages: a schedule can instead be a list of stages, each with an amount or percentage of a total fee and a trigger: a date, a task marked complete, or manual release."),
        ("R8", "Must", "Every invoice generated by a schedule links back to the schedule and shows which period or stage it covers."),
        ("R9", "Must", "Editing a schedule affects only invoices not yet created. The edit screen says so, and shows the next three invoice dates."),
        ("R10", "Must", "Pausing a schedule stops new invoices until it is resumed; when resuming, the user chooses whether to create the invoices that were skipped."),
        ("R11", "Should", "Retainers: a schedule can include a fixed number of hours per period, with hours over the retainer billed at a rate and unused hours either carried over or not."),
        ("R12", "Should", "Reminders for invoices created by a schedule follow the workspace's reminder settings unless the schedule overrides them."),
        ("R13", "Should", "A calendar view shows every invoice that schedules will create in the next 90 days, with their estimated amounts."),
        ("R14", "Should", "Price increases: a schedule can apply a percentage change from a future date, and the client is notified a configurable number of days before the first changed invoice."),
        ("R15", "Could", "Consolidated invoicing: several schedules for the same client produce a single invoice when their dates coincide."),
        ("R16", "Must", "API: create, read, update, pause and resume schedules; webhooks when a schedule creates an invoice, when an automatic charge fails, and when a schedule ends."),
        ("R17", "Must", "Permissions: only members who can create invoices for a client can create or edit schedules for that client."),
        ("R18", "Must", "Migration: every v1 schedule is converted to an equivalent v2 schedule without changing the dates or amounts of future invoices."),
    ]
    blocks = [
        "Product Requirements: Recurring Invoices v2\nInvoicing team · Product manager: Dalia Rahman · Engineering lead: Ivo Varga · Design: Bianca Yilmaz · Status: approved for build, last updated 2 June 2025",
        "1. Summary",
        "Recurring invoices let customers bill the same client on a schedule without creating each invoice by hand. The current version, built in 2021, handles one case well: a fixed amount every month. Customers have outgrown it. Agencies bill retainers with overage, architects and consultants bill fee stages tied to project milestones, and many customers want invoices charged automatically to a client's saved card with Tallyboard Pay. Today, these customers either create invoices by hand, which is slow and error-prone, or use a separate billing tool alongside Tallyboard, which means their invoices and their project data live in different places.",
        "Recurring invoices v2 replaces the current feature with schedules that can bill fixed amounts, tracked time and expenses, retainers and fee stages, and that can charge clients automatically through Tallyboard Pay. It is one of the three product priorities for 2025 and is expected to reduce churn among Pro customers who bill on retainers, to increase Tallyboard Pay volume, and to remove the most common reason given by mid-market prospects for choosing a competitor.",
        "2. Problem",
        "Research in January and February 2025 included 24 interviews with customers who use recurring invoices, 11 interviews with customers who stopped using them, and an analysis of support tickets and cancellation reasons. Four problems stood out.",
        "Fixed amounts only. 62% of the interviewed customers bill at least some clients on a basis that is not a fixed amount: retainers with overage, time and materials billed monthly, or stages of a fixed fee. The current feature cannot do any of these, so customers create those invoices by hand, often from a spreadsheet that tracks what has been billed. Several customers described month-end invoicing as a day of work for one person.",
        "No automatic payment. Customers who use Tallyboard Pay want recurring invoices to be charged to their client's card automatically, as their clients expect from other subscriptions. Today, each invoice is emailed and the client must pay it manually. Customers told us this leads to late payments on small, regular invoices that clients forget about.",
        "Surprises. Changes to a schedule apply to invoices already created if they have not been sent, which customers do not expect, and there is no way to see upcoming invoices. Support handled 410 tickets about recurring invoices in 2024; the largest group, 31%, were about an invoice that was created or sent with an amount or date the customer did not expect.",
        "Reliability. The current feature runs from a single nightly job. When the job fails, invoices are created late or not at all until an engineer reruns it. This happened seven times in 2024. The job also creates all invoices at 00:00 UTC, which is the wrong day for customers in the Americas and Asia-Pacific.",
        "Current usage. At the end of March 2025, 14,820 workspaces had at least one active recurring schedule, with 61,400 active schedules in total. 93% of schedules are monthly and 88% have a single line item. The median workspace with schedules has three of them; the largest has 1,140, belonging to a managed IT services company that bills every client a monthly support fee. Schedules created 212,000 invoices in March, about 11% of all invoices created in Tallyboard that month.",
        "Competitors. The two competitors we lose to most often in mid-market deals both offer retainers and automatic card charging, and one offers fee stages. Sales recorded recurring billing as a reason for loss in 38 deals in 2024. In win-back interviews, former customers who moved to a dedicated billing tool said they would have stayed if recurring billing had supported their pricing, because moving their project data was the hardest part of switching.",
        "3. Goals and non-goals",
        "Goals: support fixed amounts, time and expenses, retainers and fee stages in one feature; charge clients automatically through Tallyboard Pay when they have authorised it; make every future invoice predictable and visible; create invoices on the right day in the workspace's time zone, reliably; and move every existing schedule to the new feature without any customer action.",
        "Non-goals for this release: usage-based billing from external data (for example, billing per unit from another system); customer-facing subscription management for the client (the client cannot change their own plan); dunning beyond the retry schedule in R6, such as suspending services; multi-currency schedules; and invoicing on behalf of several entities from one schedule, which is part of the multi-entity work planned for the fourth quarter.",
        "4. Success measures",
        table(["Measure", "Baseline (Q1 2025)", "Target six months after launch"], [
            ["Pro workspaces with at least one active schedule", "18%", "30%"],
            ["Invoices created by schedules, share of all invoices", "11%", "25%"],
            ["Automatic charges succeeding on first attempt", "Not applicable", "At least 92%"],
            ["Support tickets about recurring invoices per 1,000 active schedules per month", "3.4", "Below 1.5"],
            ["Median days from issue to payment for invoices created by schedules", "17 days", "5 days"],
            ["Pro churn among workspaces that bill retainers", "2.1% per month", "1.6% per month"],
        ]),
        "5. Users",
        "Who sets up schedules today. In the current feature, 71% of schedules were created by workspace owners and 22% by members with the finance role; project leads created almost none, because the feature has no connection to projects. We expect that to change with fee stages and time-based billing, and the permission model in R17 is designed for it.",
        "Owners and finance staff of small agencies and studios, who set up schedules and review drafts at the start of each month; project leads, who release fee stages when milestones are reached; and, indirectly, our customers' clients, who receive invoices and, when they choose, have their cards charged automatically. The client's experience matters as much as the customer's: a confusing or unexpected charge damages the customer's relationship with their client, and the customer will blame Tallyboard.",
        "6. Requirements",
        "Priorities use Must (required for general availability), Should (expected for general availability, can slip to a fast follow-up if needed) and Could (not committed).",
        table(["ID", "Priority", "Requirement"], [list(r) for r in reqs]),
        "7. Design notes",
        "Setting up a schedule. The set-up flow starts by asking how the client is billed, with four options (fixed amount, time and expenses, retainer, fee stages), because the rest of the form depends on it. A live preview on the right shows the next three invoices with their dates and amounts, recalculated as the user edits. In usability testing with eight customers, everyone could set up a retainer with overage in under four minutes, compared with no one being able to represent it at all in the current feature.",
        "Automatic charges. The client authorises automatic charges from the payment page of any invoice, by saving their card and ticking a box that names the customer and describes the schedule. The authorisation can be withdrawn by the client at any time from the link in every receipt. The customer sees which clients have authorised automatic charges and cannot turn automatic charging on for a client who has not. This follows the card schemes' rules for merchant-initiated transactions and was reviewed by the payments risk team.",
        "Upcoming invoices. The calendar view (R13) shows amounts as estimates when they depend on time not yet tracked. Each workspace receives a weekly summary email on Mondays listing invoices that schedules will create that week, which can be switched off.",
        "Time zones. Invoices are created at 06:00 in the workspace's time zone on their issue date. A schedule set to the 31st creates invoices on the last day of shorter months, and a schedule set to the last working day uses the workspace's working days and the public holidays of its country.",
        "Notifications. Customers receive a notification when a schedule creates a draft that needs review, when an automatic charge fails for the last time, when a fee stage is ready to release, and when a schedule ends. Each can be delivered in the app, by email or in Slack through the existing integration, following the member's notification preferences. Clients receive the invoice email as today, a receipt for each automatic charge, and an advance notice before any price increase (R14).",
        "Accessibility. The set-up flow, the preview and the calendar view must meet WCAG 2.1 AA, including full keyboard operation and screen reader labels for every control and every preview value. The calendar view must offer a list alternative. Accessibility review by the design systems team is part of the definition of done for each screen, and the beta will include at least three customers who use assistive technology.",
        "Pricing and packaging. Fixed-amount schedules remain available on Starter. Time and expenses schedules, retainers and fee stages are available on Pro and Enterprise. Automatic charges are available on every plan where Tallyboard Pay is available, with the standard Tallyboard Pay processing fees and no additional fee. The number of active schedules is unlimited on every paid plan.",
        "8. Edge cases",
        bullets([
            "A project linked to a schedule is archived: the schedule pauses and the workspace is notified.",
            "The client's saved card expires: the charge fails, the retry schedule applies, and the client receives an email asking them to update their card before the next retry.",
            "A fee stage is triggered by a task that is deleted: the stage falls back to manual release and the project lead is notified.",
            "Tracked time for the period is zero on a time and expenses schedule: no invoice is created, unless the schedule has a minimum amount, in which case an invoice for the minimum is created.",
            "The workspace's Tallyboard Pay account is restricted by risk review: automatic charges are paused and invoices are emailed for manual payment instead.",
            "A schedule is edited while its invoice for the day is being created: the edit waits until creation is complete and then applies to the following invoices.",
        ]),
        "9. Technical approach",
        "Schedules are evaluated by a new scheduling service rather than a nightly job. Each schedule stores its next run time; a worker picks up schedules whose next run time has passed, creates the invoice in a transaction with the schedule's state, and computes the following run time. Runs are idempotent per schedule and period, so a retried run never creates a second invoice. The service is monitored on the age of the oldest overdue run, and overdue runs page the invoicing on-call engineer after 30 minutes.",
        "Automatic charges use the existing Tallyboard Pay payments API with merchant-initiated transaction flags. Retries are scheduled by the same service. Charges are never attempted between 22:00 and 06:00 in the client's time zone when it is known, to reduce the chance of a decline from issuers' fraud rules and of alarming the client with a night-time notification.",
        "Migration (R18) converts each v1 schedule into a v2 fixed-amount schedule. A comparison job generates the next twelve invoices from both versions for every schedule and flags any difference in date or amount; migration of a workspace proceeds only when there are no differences, and differences are reviewed by the team by hand.",
        "Instrumentation. The scheduling service emits an event for every run, invoice created, charge attempted and charge outcome, with the schedule's billing type. The product analytics dashboard for the feature will show adoption by billing type, the share of schedules using automatic send and automatic charges, draft review times, and edits made to drafts before sending. Edits to drafts are an important signal: if customers routinely change what a schedule creates, the schedule is not doing what they need.",
        "10. Risks",
        bullets([
            "Unexpected charges to clients could damage customers' relationships and increase disputes. Mitigations: explicit client authorisation, receipts for every charge, default of draft mode, and monitoring of dispute rates for automatic charges separately from other payments.",
            "Migration differences could change existing customers' invoices. Mitigation: the comparison job and a workspace-by-workspace rollout.",
            "Scope is large for one release. Mitigation: R11, R13 and R14 are Should, and R15 is Could, so they can slip without delaying general availability.",
            "The scheduling service becomes critical infrastructure. Mitigation: it is designed and reviewed with the site reliability team and included in the business continuity plan as a tier 2 system.",
        ]),
        "Dependencies. The feature depends on three other teams. Payments Platform must support merchant-initiated transaction flags and stored credential references in the payments API, which is scheduled for their June release. The Notifications team must add the new notification types to the preferences screen. Site Reliability must review the scheduling service's design and on-call arrangements before the open beta. Each dependency has an owner and a date in the programme plan, and any slip is reported in the weekly invoicing programme update.",
        "11. Open questions",
        bullets([
            "Should customers be able to charge a client's card automatically for invoices that include tracked time, where the amount varies? Current decision: yes, but the client's authorisation must say that amounts vary, and invoices above a limit set by the client require manual payment.",
            "Do we need partial payment of fee stages? Current decision: no for general availability; revisit with beta feedback.",
            "How long should paused schedules be kept before they are archived automatically? Proposal: 12 months, with a notification a month before.",
        ]),
        "12. Launch plan",
        "The launch is staged so that each group of customers uses the feature before the next group sees it. Internal use starts on 23 June 2025, when Tallyboard's own finance team moves its reseller and partner invoicing to v2. A private beta with about 150 customers who volunteered through the research programme and the customer advisory board starts on 14 July 2025. An open beta, available to any Pro or Enterprise workspace from the settings page, follows on 4 August 2025. Code freeze for the general availability release is 25 August 2025, after which only fixes for beta feedback are merged. " + quote + " Migration of existing v1 schedules runs in the two weeks after general availability, by workspace size, starting with the smallest. The current version is switched off for all workspaces once migration is complete.",
        "Go/no-go criteria for general availability: no open defects of severity 1 or 2; the migration comparison job has run for every workspace with zero unexplained differences; automatic charges in the beta succeed on first attempt at least 90% of the time; support has completed training; and the help centre articles and API documentation are published.",
        "13. Support and documentation readiness",
        "Support will receive training in two sessions in the last two weeks of August, covering set-up, automatic charges, client authorisation, the retry schedule and migration. New macros will cover the most likely questions from the beta. The help centre will have five new articles and a short video for each billing type. The API reference will document the schedule endpoints and the three new webhook events, with examples. Customer success managers will contact each Enterprise customer that uses recurring invoices before migration to explain the changes.",
        "14. Marketing",
        "The launch will be announced in the product newsletter, in the app's what's new panel and in a webinar for agencies and consultants on 16 September 2025. The pricing page will list recurring invoices v2 under Starter, Pro and Enterprise, with automatic charges available wherever Tallyboard Pay is available. Marketing will not claim reductions in days to payment until the six-month measures are available.",
        "15. After launch",
        "The team will stay on the feature for at least one quarter after general availability. The first month is reserved for migration, defects and support escalations. After that, the fast follow-up release will address the most requested changes from the beta and from the first weeks of general availability, with consolidated invoicing (R15) and partial payment of fee stages as the leading candidates. The six-month success measures will be reviewed at the quarterly product review in March 2026, and the results shared with the whole company.",
        "Appendix A: interview findings",
        "Customers who bill retainers described three recurring problems: tracking how many retainer hours were used, deciding what to do with unused hours, and explaining overage to clients. Most wanted the invoice itself to show hours used against the retainer. Customers who bill fee stages wanted project leads, not finance, to decide when a stage is billed, but wanted finance to review the invoice before it is sent. Customers who stopped using recurring invoices most often said that they could not trust it to do the right thing without checking every invoice, which for them removed the point of automating it.",
        "Appendix B: beta feedback plan",
        "Beta customers will be asked to use v2 for all their recurring billing during the beta. The product manager and designer will hold fortnightly calls with a rotating group of ten beta customers, and every beta workspace will see a feedback prompt after its first invoice created by a schedule and after its first automatic charge. Feedback is triaged weekly into defects, which are fixed before general availability if they are of severity 1 or 2, and requests, which are considered for the fast follow-up release planned for the fourth quarter.",
        "Appendix C: decisions taken during review",
        bullets([
            "Default to draft for new schedules, even though most customers will switch to automatic send, because an unwanted invoice sent to a client is much worse than a draft left for review.",
            "Retry automatic charges three times over a week rather than the five times offered by one competitor, because payments risk data shows that retries after the third rarely succeed and increase issuer declines on the client's card.",
            "Keep v1 and v2 side by side only during migration, rather than for a longer period, to avoid customers having two recurring features with different behaviour.",
            "Do not let clients pause or cancel schedules themselves in this release; they contact the customer, as they do today.",
        ]),
        "Appendix D: change history",
        table(["Date", "Change", "By"], [
            ["3 March 2025", "First draft after research", "Dalia Rahman"],
            ["24 March 2025", "Added fee stages as Must after advisory board review", "Dalia Rahman"],
            ["14 April 2025", "Technical approach and migration plan", "Ivo Varga"],
            ["12 May 2025", "Client authorisation flow after payments risk review", "Bianca Yilmaz"],
            ["2 June 2025", "Launch dates confirmed; approved for build", "Dalia Rahman"],
        ]),
    ]
    return {
        "tag": "prd",
        "text": join(blocks),
        "question": "On what date is general availability of recurring invoices v2 planned?",
        "answer": "9 September 2025",
        "quote": quote,
    }

@builder
def pay_merchant_terms():
    quote = ("For each dispute opened against a payment, including an inquiry that becomes a chargeback, we charge "
             "a dispute fee of $15.00, which is returned to you if the dispute is decided in your favour.")
    blocks = [
        "TALLYBOARD PAY MERCHANT TERMS\nUnited States · Last updated 1 April 2025",
        "These Tallyboard Pay Merchant Terms (the \"Pay Terms\") apply when you use Tallyboard Pay to accept card and bank payments from your clients and customers, and to receive payouts of those payments. They are in addition to the Tallyboard Terms of Service, which continue to apply to your use of Tallyboard. In these Pay Terms, \"we\", \"us\" and \"Tallyboard\" mean Tallyboard, Inc., and \"you\" means the business that has activated Tallyboard Pay in a Tallyboard workspace. \"Payers\" are the people and businesses who pay you through Tallyboard Pay.",
        "Please read these Pay Terms carefully. They include important information about fees, reserves, disputes and the circumstances in which we may hold or delay your funds. By activating Tallyboard Pay or accepting a payment through it, you agree to these Pay Terms on behalf of your business.",
        "1. How Tallyboard Pay works",
        "1.1 Tallyboard Pay lets you accept payments for invoices you send from Tallyboard, through payment links, and in person with a Tap card reader. Card payments are processed by our card processor, Northgate Payments Processing LLC (the \"Processor\"), and settled through our partner bank, Cascade Federal Bank (the \"Bank\"). Bank payments (ACH debits) are processed through the Bank.\n\n1.2 We are not a bank, and Tallyboard Pay is not a deposit account. Funds from your payments are held by the Bank, in accounts for the benefit of merchants, until they are paid out to you. You are not entitled to interest or other earnings on those funds.\n\n1.3 To use Tallyboard Pay, you must also accept the Processor's terms for sub-merchants, which we present to you during activation. Those terms govern the Processor's relationship with you and the requirements of the card networks. If they conflict with these Pay Terms on a matter of card network rules, the Processor's terms apply.",
        "2. Eligibility and verification",
        "2.1 Tallyboard Pay is available to businesses, including sole proprietors, that are established in the United States, have a United States bank account, and do not operate a business listed in Schedule 2. It is not available for personal, family or household payments.\n\n2.2 When you activate Tallyboard Pay, and from time to time afterwards, we will ask for information about your business, its owners and its activities, and may verify it with third parties, including identity verification services and credit reporting agencies. You authorise us to do so. You must keep this information accurate and tell us within 10 days if it changes, including changes in ownership, business type, bank account or address.\n\n2.3 We may decline to activate Tallyboard Pay, or limit the payment methods, amounts or payout schedules available to you, based on our review of your business. We will tell you the reason where we are allowed to.",
        "3. Accepting payments",
        "3.1 You may accept payments only for genuine sales of goods or services that you provide, in the name of the business that activated Tallyboard Pay. You must not accept payments on behalf of another business, split a single sale into several payments to avoid a limit, or accept payments to refinance an existing debt.\n\n3.2 You must clearly describe what the payer is paying for, the total amount including taxes and fees, and your refund and cancellation policy, before the payer pays. Your business name, as set in your Tallyboard Pay settings, appears on the payer's card statement; it must be recognisable to your payers.\n\n3.3 Surcharges. If you add a surcharge for card payments, you must comply with the card networks' rules and the laws of your state, including disclosure requirements and caps. Tallyboard does not add surcharges for you. Surcharges are not allowed on debit card payments.\n\n3.4 In-person payments. When you accept payments with a Tap card reader, you must follow the instructions in the app, keep the reader secure, and not let anyone tamper with it. If you suspect a reader has been tampered with, stop using it and contact us. Readers must be updated to the latest firmware when the app asks you to.\n\n3.5 Saved cards and automatic charges. You may charge a payer's saved card without the payer being present only where the payer has agreed to it in advance through the authorisation flow provided by Tallyboard, for the purpose and on the schedule they agreed to, and has not withdrawn that agreement.",
        "3.6 Tips. If you enable tips on a Tap card reader or on payment pages, tips are part of the payment amount, are subject to the same fees, and are paid out with the payment. You are responsible for distributing tips to your staff in accordance with applicable law.\n\n3.7 Receipts. We send the payer a receipt for each payment, refund and automatic charge, showing your business name, the amount, the date and the last four digits of the card. You may add your business address, tax number and a message to receipts in your settings.\n\n3.8 Payment limits. We may set limits on the amount of a single payment or on your total payments in a period, and show them in your settings. If a payment would exceed a limit, it is declined; you can ask us to review your limits at any time.",
        "4. Fees",
        "4.1 You agree to pay the fees set out in the Fee Schedule in Schedule 1. Fees are deducted from the payments you receive, or, if your balance is not enough, from future payments or from your bank account under section 9. We may change the Fee Schedule by giving you at least 30 days' notice by email and in the app; the change applies to payments made after the notice period. Fees are not refunded when you refund a payment, when a payment is disputed, or when you stop using Tallyboard Pay, except where the Fee Schedule says otherwise.\n\n4.2 Enterprise workspaces may have custom fees agreed in their Enterprise agreement, which replace the Fee Schedule to the extent they differ.\n\n4.3 Tallyboard Pay fees are separate from your Tallyboard subscription fees. You can see the fees deducted from each payment in the Payments section of Tallyboard and in the monthly fee statement, which is available by the fifth day of each month for the previous month.",
        "4.4 Fee examples. For an online card payment of $1,000.00 with a US card, the fee is $29.30 and $970.70 is added to your balance. For the same payment with a card issued outside the United States, the fee is $44.30. For an in-person payment of $48.00 with a Tap card reader, the fee is $1.35. For an ACH debit payment of $2,400.00, the fee is $5.00 because of the cap. These examples are for illustration only; the Fee Schedule and your fee statement are authoritative.",
        "5. Payouts",
        "5.1 We pay out your available balance to the bank account you have linked, on your payout schedule. Your available balance is the amount of payments that have settled, minus fees, refunds, disputes, reserves and any other amounts you owe us. Card payments usually settle two business days after the payment; ACH payments usually settle four business days after the payment.\n\n5.2 Your payout schedule is daily, weekly or monthly, as you choose in your settings. New accounts start with a payout delay of 7 days for the first 30 days after the first payment, after which the delay is normally reduced to 2 business days. We may change your delay based on our review of your business, and will tell you when we do.\n\n5.3 Instant payouts. If your account is eligible, you may ask for an instant payout of your available balance to an eligible debit card, subject to the fee in the Fee Schedule and to daily limits shown in the app. Instant payouts usually arrive within 30 minutes but may take longer depending on your bank.\n\n5.4 If a payout is returned by your bank, for example because the account is closed, we will return the funds to your balance and pause payouts until you link a valid bank account. We may charge the returned payout fee in the Fee Schedule.\n\n5.5 You must reconcile your payouts with your records and tell us within 60 days of a payout if you believe it is incorrect. After that, the payout is considered accurate, except for errors caused by our fraud or wilful misconduct.",
        "5.6 Payout currency. Payouts are made in US dollars to a US bank account. If you accept a payment in another currency where we support it, the payment is converted to US dollars at the rate shown at the time of the payment, and the currency conversion fee in the Fee Schedule applies.",
        "6. Refunds",
        "6.1 You may refund a payment, in full or in part, within 180 days of the payment, from Tallyboard or the app. Refunds are deducted from your balance; if your balance is not enough, we may debit your bank account under section 9. A refund cannot exceed the original payment amount.\n\n6.2 You must process refunds in accordance with the refund policy you disclosed to the payer and applicable law. You must not give cash refunds for card payments, or refund a card payment to a different card.\n\n6.3 Refunds to cards usually appear on the payer's statement within 5 to 10 business days, depending on the payer's bank. Fees for the original payment are not returned when you issue a refund.",
        "7. Disputes and chargebacks",
        "7.1 A payer may dispute a card payment with their card issuer, or an ACH debit with their bank. If that happens, the disputed amount is deducted from your balance, together with the dispute fee set out in the Fee Schedule, while the dispute is decided. If your balance is not enough, we may debit your bank account under section 9.\n\n7.2 We will notify you of each dispute by email and in Tallyboard, with the reason given by the payer's bank and the deadline for responding. You may respond with evidence through Tallyboard before the deadline, which is usually 7 days before the deadline set by the card network. We will submit your evidence to the Processor, but we do not decide disputes and cannot guarantee their outcome; the card issuer or bank decides.\n\n7.3 If a dispute is decided in your favour, the disputed amount is returned to your balance. If it is decided against you, the deduction is final. You are responsible for all disputes, including disputes for payments made with stolen cards, unless we have agreed otherwise in writing.\n\n7.4 Dispute rates. If the disputes on your account exceed the thresholds set by the card networks, which are currently about 0.9% of your card payments in a month, we may require a reserve, change your payout schedule, or suspend Tallyboard Pay, and you may become subject to card network fines, which we will pass on to you.",
        "8. Reserves",
        "8.1 We may require a reserve, meaning an amount of your balance that we hold back from payouts, if we reasonably believe that there is a higher than usual risk of refunds, disputes or losses on your account. Examples include a sudden increase in payment volume, a high rate of refunds or disputes, taking payments well in advance of delivering goods or services, a change in your business, or a breach of these Pay Terms.\n\n8.2 A reserve may be a fixed amount, a percentage of your payments held for a rolling period (for example, 10% of each payment held for 90 days), or a combination. We will tell you the terms and reasons for any reserve, and review it at least every 90 days. We will release the reserve when we determine that the risk no longer requires it.",
        "9. Amounts you owe us",
        "9.1 You must pay us all amounts you owe under these Pay Terms, including fees, refunds, disputes, card network fines and any amount paid out to you in error. We may deduct those amounts from your balance and from future payments, and you authorise us to debit your linked bank account for any amount your balance does not cover. If a debit fails, you must pay the amount within 5 business days of our request.\n\n9.2 If you use Tallyboard Pay in more than one workspace for the same business, we may deduct amounts you owe in one workspace from the balance of another.",
        "10. Data, security and privacy",
        "10.1 You must keep your Tallyboard account secure, including by protecting passwords, using two-factor authentication and limiting who in your workspace can manage payments and payouts. You are responsible for payments, refunds and payout changes made through your account, unless they result from our failure to meet our security obligations.\n\n10.2 You must not ask payers to send you card numbers by email, message or any other channel, and must not store card numbers. Card data is entered only on payment pages hosted by us or on a Tap card reader, and is handled by us and the Processor in compliance with the Payment Card Industry Data Security Standard.\n\n10.3 We process personal data of payers as described in our Privacy Notice and the Data Processing Addendum. We share information about you and your payments with the Processor, the Bank and the card networks as needed to provide Tallyboard Pay, to comply with law and to prevent fraud.",
        "11. Prohibited activities and suspension",
        "11.1 You must not use Tallyboard Pay for any business listed in Schedule 2, for illegal purposes, to process payments that you know or should know are fraudulent, or in a way that breaches card network rules.\n\n11.2 We may suspend Tallyboard Pay, hold your funds or refuse payouts if we reasonably suspect fraud, a breach of these Pay Terms, a risk of losses, or if we are required to by the Processor, the Bank, a card network or law. We will tell you, unless we are not allowed to, and will release funds that are not needed to cover refunds, disputes and other amounts you owe, generally within 120 days of suspension.\n\n11.3 We are required by law to verify the identity of our merchants and to report certain activity. We may hold funds while we complete our review of your account and may be unable to tell you the reason for a hold.",
        "12. Taxes and reporting",
        "12.1 You are responsible for determining and paying all taxes on your sales and for including any required taxes in your prices and invoices. Our fees do not include sales tax; where sales tax applies to our fees, we add it to the fee statement.\n\n12.2 We are required to report payments you receive through Tallyboard Pay to the Internal Revenue Service on Form 1099-K where they exceed the reporting threshold for the year, and to send you a copy. You must give us your correct taxpayer identification number. If you do not, we may be required to withhold a percentage of your payouts.",
        "13. Ending Tallyboard Pay",
        "13.1 You may stop using Tallyboard Pay at any time by deactivating it in your settings. Deactivation does not end your responsibility for refunds, disputes and other amounts relating to payments accepted before deactivation.\n\n13.2 We may end your use of Tallyboard Pay on 30 days' notice for any reason, or immediately if you breach these Pay Terms, if we are required to by the Processor, the Bank, a card network or law, or if your Tallyboard account is closed.\n\n13.3 After Tallyboard Pay ends, we will pay out your remaining balance, less any reserve we reasonably need to cover future refunds and disputes, which we may keep for up to 180 days.",
        "14. Electronic communications and records",
        "14.1 You agree to receive notices, statements, tax forms and other communications relating to Tallyboard Pay electronically, by email to the owner of your workspace and to any payments contact you have set, and in Tallyboard. You must keep those email addresses current. A notice is treated as received when we send it to the email address in your settings or post it in Tallyboard.\n\n14.2 We keep records of your payments, refunds, disputes and payouts for at least 7 years, and you can download statements for any period in which you used Tallyboard Pay for as long as your Tallyboard account is open. If your account is closed, you may request copies of records for the remaining retention period.",
        "15. Indemnity",
        "You will indemnify us, the Processor and the Bank against claims, losses, fines and costs, including reasonable legal fees, arising from your breach of these Pay Terms, your violation of law or card network rules, your sales and your relationship with your payers, except to the extent they are caused by our own breach or negligence. This includes fines that a card network imposes on the Processor or the Bank because of your activity.",
        "16. Liability",
        "Our liability to you relating to Tallyboard Pay is subject to the limitations in the Tallyboard Terms of Service, except that nothing limits our obligation to pay out funds that belong to you under these Pay Terms. We are not responsible for delays or failures caused by the Processor, the Bank, the card networks, your bank or events outside our reasonable control, but we will work with them to resolve any problem that affects your payments.",
        "17. Changes and disputes with us",
        "We may update these Pay Terms by giving you at least 30 days' notice, except where a change is required by the Processor, the Bank, a card network or law sooner. Your continued use of Tallyboard Pay after the notice period means you accept the updated terms. Disputes between you and us about Tallyboard Pay are resolved as set out in the Tallyboard Terms of Service.",
        "SCHEDULE 1 — FEE SCHEDULE",
        "The fees below apply to workspaces in the United States unless your Enterprise agreement sets different fees. All amounts are in US dollars. Percentages are of the payment amount, including any tip and tax.",
        table(["Payment type", "Fee"], [
            ["Online card payments (invoices and payment links), US cards", "2.9% + $0.30 per successful payment"],
            ["In-person card payments with a Tap card reader", "2.6% + $0.10 per successful payment"],
            ["Manually keyed card payments in the app", "3.5% + $0.15 per successful payment"],
            ["Cards issued outside the United States", "Additional 1.5%"],
            ["Payments requiring currency conversion", "Additional 1%"],
            ["ACH debit payments", "0.8%, capped at $5.00 per payment"],
            ["Instant payouts to a debit card", "1% of the payout amount, minimum $0.50"],
            ["Standard payouts to your bank account", "No fee"],
            ["Returned payouts (for example, closed bank account)", "$3.00 per returned payout"],
        ]),
        "Disputes. " + quote + " ACH payments returned by the payer's bank as unauthorised are treated as disputes. Inquiries that the payer's bank resolves without opening a chargeback are not charged.",
        "Refunds. There is no fee for issuing a refund, but the fees for the original payment are not returned, as explained in section 6.3.",
        "Tap card readers and docks. Hardware is sold through the Tallyboard Store at the prices shown there and is not part of Tallyboard Pay fees. Returns of hardware are governed by the Store's return policy.",
        "SCHEDULE 2 — RESTRICTED AND PROHIBITED BUSINESSES",
        "You may not use Tallyboard Pay for the following businesses or activities. Some businesses listed as restricted may be allowed with our prior written approval and additional verification.",
        bullets([
            "Prohibited: illegal goods or services, or goods or services that infringe intellectual property rights.",
            "Prohibited: gambling, lotteries and games of chance, including sweepstakes that require payment to enter.",
            "Prohibited: adult content and services, escort services.",
            "Prohibited: weapons, ammunition, explosives and their components; controlled substances and drug paraphernalia.",
            "Prohibited: money transmission, check cashing, stored value, cryptocurrency exchanges and wallets, and other financial services that hold or move funds for others.",
            "Prohibited: debt collection, debt relief, credit repair and loan brokering.",
            "Prohibited: multi-level marketing, pyramid schemes and get-rich-quick schemes.",
            "Restricted: travel agencies and timeshares; event ticket resale; telemarketing.",
            "Restricted: membership clubs and subscriptions billed more than 12 months in advance.",
            "Restricted: charities and crowdfunding, political organisations.",
            "Restricted: pharmacies, telemedicine and supplements with health claims.",
        ]),
        "If your business changes so that it falls into a restricted or prohibited category, you must tell us before accepting further payments. We may review your account at any time to confirm that your business is eligible.",
        "SCHEDULE 3 — STATE DISCLOSURES",
        "Tallyboard, Inc. is not licensed as a money transmitter, because funds from your payments are received and held by the Bank on your behalf, and you are treated as paid when the payer's payment is successfully completed. If you have a complaint about our handling of your funds that we do not resolve, you may contact the financial services regulator in your state. Residents of some states have additional rights under state law, which these Pay Terms do not limit.",
        "SCHEDULE 4 — DEFINITIONS OF PAYMENT STATUSES",
        bullets([
            "Pending: the payment has been authorised by the payer's bank but has not yet settled.",
            "Succeeded: the payment has settled and its amount, less fees, has been added to your balance.",
            "Failed: the payment was declined or could not be completed; no funds were taken from the payer.",
            "Refunded or partially refunded: you have issued a refund for all or part of the payment.",
            "Disputed: the payer has disputed the payment with their bank; the amount is held until the dispute is decided.",
            "Available: funds that can be included in your next payout.",
            "Reserved: funds held back from payouts under section 8.",
        ]),
        "SCHEDULE 5 — CONTACT",
        "Questions about these Pay Terms or your Tallyboard Pay account can be sent from the Help menu in Tallyboard. Legal notices to Tallyboard must be sent to Tallyboard, Inc., Attn: Legal, 410 SW Morrison Street, Suite 900, Portland, Oregon 97204. Complaints that we have not resolved to your satisfaction can be escalated to our complaints team through the same Help menu; we aim to respond to complaints within 15 business days. If we need more time, we will tell you why and when you can expect our answer. For questions about a specific payment, include the payment ID shown in Tallyboard, and never include a full card number in your message.",
    ]
    return {
        "tag": "terms",
        "text": join(blocks),
        "question": "What fee does Tallyboard charge for each dispute opened against a payment?",
        "answer": "$15.00",
        "quote": quote,
    }

@builder
def security_questionnaire():
    quote = ("Application audit logs, which record sign-ins, permission changes, exports, API key events and "
             "administrative actions in each workspace, are retained for 400 days and are available to "
             "Enterprise workspace administrators for that whole period.")
    sections = [
        ("1. Company and governance", [
            ("Describe your organisation and the service in scope.", "Tallyboard, Inc. is a software company headquartered in Portland, Oregon, with offices in Lisbon and Manila and about 410 employees. The service in scope is Tallyboard, a software-as-a-service platform for project management, time tracking and client invoicing, including the web application, the iOS and Android apps, the public API and Tallyboard Pay. Harbourline would use the Enterprise plan for its internal projects team and its broker relationship programme."),
            ("Who is responsible for information security?", "Our Chief Information Security Officer reports to the Chief Technology Officer and presents to the Audit Committee of the Board at least twice a year. The security organisation has 14 people across security engineering, security operations, governance and compliance, and corporate IT security."),
            ("Do you have documented information security policies? How often are they reviewed?", "Yes. We maintain an information security policy and 23 supporting policies and standards, covering areas such as access control, cryptography, secure development, vendor management and incident response. Policies are reviewed at least annually and approved by the security steering group. We can share the table of contents and selected policies under NDA."),
            ("Do employees receive security training?", "All employees and contractors complete security and privacy awareness training when they join and every year afterwards, with completion tracked and reported to managers. Engineers complete additional secure development training each year. We run phishing simulations every quarter; the click rate in the last four simulations was between 2% and 4%."),
            ("Do you perform background checks?", "Yes, where permitted by local law, for all employees and contractors before they start, and additional checks for roles with access to payment systems or production data."),
            ("Do you have a risk management process?", "Yes. Information security risks are recorded in a risk register owned by the CISO, assessed for likelihood and impact, and assigned an owner and a treatment plan. The register is reviewed monthly by the security steering group and quarterly by the Risk Committee, which includes the CEO, CFO, CTO and General Counsel. Risks above the committee's appetite require a documented decision by the committee."),
            ("Do you have cyber insurance?", "Yes. We hold cyber liability insurance and technology errors and omissions insurance with limits appropriate to our size and customer base. Certificates of insurance can be provided to Harbourline on request during contracting."),
        ]),
        ("2. Certifications and assurance", [
            ("Which certifications and attestations do you hold?", "ISO/IEC 27001 certification for the Tallyboard platform and the supporting corporate functions; a SOC 2 Type II report covering security, availability and confidentiality, issued annually for the twelve months ending 30 June; PCI DSS Level 1 service provider attestation for Tallyboard Pay; and self-assessment against the Cloud Security Alliance CAIQ, published in the CSA STAR registry."),
            ("Can you share your latest SOC 2 report and penetration test summary?", "Yes. The latest SOC 2 Type II report (period ending 30 June 2024, issued without exceptions) and the executive summary letter from our most recent independent penetration test (autumn 2024) are available through our trust centre after signing our standard NDA."),
            ("Do you allow customer audits?", "Enterprise customers may audit our compliance with the data processing addendum once per year, on 30 days' notice, where our certifications and reports are not sufficient. In practice, most customers' requirements are met by the SOC 2 report, this questionnaire and a call with our security team."),
        ]),
        ("3. Access control", [
            ("How do employees access production systems?", "Through single sign-on with hardware security keys, only from managed devices that meet our device posture checks, and through an access broker that grants time-limited privileged access for each use after approval. Standing administrative access to production does not exist. Every privileged session is recorded."),
            ("How often are access rights reviewed?", "Every quarter for production systems and systems containing customer data, and every six months for other systems. Access is removed within 24 hours of an employee leaving, usually within an hour, through automated deprovisioning from our identity provider."),
            ("Can Tallyboard staff see customer data?", "Only when necessary to provide support or to operate the service. Support staff can view a customer's workspace only with an open support ticket reference, and every such access is logged. On the Enterprise plan, workspace administrators can see these support access events in their audit log. Engineers cannot query customer data in production databases without an approved break-glass request."),
            ("What authentication options do you offer to customers?", "Email and password with optional or enforced two-factor authentication (authenticator apps, passkeys and security keys); Google and Microsoft sign-in; and, on Enterprise, SAML 2.0 and OpenID Connect single sign-on with optional enforcement and SCIM provisioning. Password policies follow NIST SP 800-63B, including checks against known breached passwords."),
            ("Can customers control roles and permissions?", "Yes. Workspaces have built-in roles (owner, administrator, manager, member, contractor, guest and finance) and, on Enterprise, custom roles with permissions for each area of the product. Access to individual clients and projects can be restricted to named members."),
            ("Can customers restrict access by network or device?", "On the Enterprise plan, workspace administrators can restrict sign-in to a list of IP address ranges and can require that members sign in through single sign-on, which lets Harbourline apply its own device and conditional access policies through its identity provider. Session length and idle timeout can be configured per workspace."),
            ("How are API keys and integrations controlled?", "Personal API keys are tied to a member and inherit their permissions; administrators can disable personal API keys for the whole workspace. OAuth applications must be approved by an administrator before members can connect them on the Enterprise plan. Every key creation, use from a new IP address and revocation is recorded in the audit log. Keys are prefixed so that secret scanning services can detect leaked keys, and we revoke keys reported to us by those services automatically."),
        ]),
        ("4. Data protection", [
            ("Where is customer data stored?", "In the region chosen when the workspace is created: the United States region (public cloud, three availability zones) or the European region (Tallyboard-owned servers in colocation data centres in Dublin and Frankfurt). Backups and disaster recovery copies stay in the same region. Harbourline's workspace would be created in the European region, as requested in your requirements."),
            ("How is data encrypted?", "In transit with TLS 1.2 or higher, with modern cipher suites and HSTS. At rest with AES-256, using keys managed in a hardware-backed key management service, separated by region and rotated annually. Backups are encrypted with separate keys. Tallyboard Pay card data is never stored by Tallyboard; it is encrypted in the Tap reader or on the hosted payment page and decrypted only by our card processor."),
            ("Do you support customer-managed encryption keys?", "Not at present. It is on our roadmap for the Enterprise plan, but we have no committed date. We can discuss compensating controls, such as the audit log and support access restrictions, for Harbourline's risk assessment."),
            ("How is customer data separated between customers?", "Logically, by workspace identifier, enforced in the application's data access layer, with automated tests on every deployment that attempt cross-workspace access. Search indexes, caches and file storage are partitioned by workspace. Our penetration tests specifically target workspace isolation."),
            ("How do you handle data deletion?", "Customers can delete individual records at any time, and deleted items can be restored from the workspace's trash for 30 days. When a workspace is closed, its data is kept for 30 days so that it can be reactivated or exported, and is then deleted from production systems. Deleted data is removed from encrypted backups as they expire, within a further 35 days. We can provide a written confirmation of deletion on request."),
            ("Can customers export their data?", "Yes, at any time, as CSV and JSON exports from the application and through the API. Invoices can also be exported as PDF. Exports are recorded in the workspace's audit log."),
            ("Do you classify data?", "Yes. Our data classification standard has four levels: public, internal, confidential and restricted. All customer content is classified as confidential, and Tallyboard Pay data, authentication secrets and encryption keys as restricted. Each level has handling rules for storage, sharing, transfer and disposal, and restricted data may only be processed in systems approved for it."),
            ("Do you use production data in test environments?", "No. Development and test environments use synthetic data. Where a customer's problem can only be reproduced with their data, support engineers work in the production environment through the controlled support access described in section 3, with the customer's permission recorded in the ticket."),
        ]),
        ("5. Application security", [
            ("Describe your secure development lifecycle.", "Every change is peer-reviewed and must pass automated tests, static analysis and dependency scanning before it can be deployed. Changes to authentication, authorisation, payments and cryptography require review by the security engineering team. Threat modelling is required for new features that handle sensitive data or money. Secrets are managed in a secrets manager and blocked from source code by pre-commit and server-side scanning."),
            ("How do you test for vulnerabilities?", "An independent firm performs a full penetration test of the platform every year, and targeted tests for major new features. We also run continuous automated scanning of our external attack surface and a public responsible disclosure programme with rewards. Findings are fixed within target times based on severity: 7 days for critical, 30 days for high and 90 days for medium."),
            ("What were the results of your last penetration test?", "The autumn 2024 test found no critical issues. High-severity findings were fixed within 30 days and verified by the testers in a retest. The executive summary letter is available in the trust centre."),
            ("Do you protect against common web application attacks?", "Yes. In addition to secure coding practices and testing, we use a strict Content-Security-Policy, serve user-uploaded files from a separate cookieless domain, protect forms against cross-site request forgery, set frame-ancestors to prevent clickjacking, and apply rate limits to authentication, password reset and messaging features. The web application firewall blocks known attack patterns at the edge."),
            ("How are the mobile apps secured?", "The iOS and Android apps store session tokens in the platform's hardware-backed secure storage, use certificate pinning for all Tallyboard hosts, and can be protected with Face ID, Touch ID or the device's biometric unlock. Enterprise administrators can require a minimum app version and sign members out of all devices remotely."),
            ("How do you manage third-party and open-source components?", "Dependencies are tracked in a software bill of materials for each service, scanned daily for known vulnerabilities, and updated automatically where possible. A dependency with a known critical vulnerability blocks deployment of the service until it is updated or an exception is approved by security engineering."),
        ]),
        ("6. Infrastructure and operations", [
            ("How is your infrastructure protected?", "Production runs in isolated networks with no direct inbound access from the internet other than through the content delivery network and load balancers. The content delivery network provides DDoS protection and a web application firewall. Infrastructure is defined as code and changes go through the same review and deployment process as application code."),
            ("How do you manage endpoints?", "All company laptops are managed centrally, with full-disk encryption, endpoint detection and response, automatic updates and screen lock enforced. Devices that fall out of compliance lose access to company systems until they are fixed. Personal devices cannot access production or customer data."),
            ("How do you manage changes to production?", "Through automated deployment pipelines only, with peer review, automated tests and staged rollouts with automatic health checks and rollback. Emergency changes follow the same pipeline with an expedited approval and are reviewed afterwards."),
            ("How do you manage vulnerabilities in infrastructure?", "Operating system images are rebuilt weekly from hardened base images and redeployed, rather than patched in place, so every host runs an image no more than a few weeks old. Critical vulnerabilities in infrastructure components are handled as security incidents and patched outside the weekly cycle. Container images are scanned before deployment and continuously while they run."),
            ("How is the European region hosted?", "On Tallyboard-owned servers in two colocation data centres operated by Corvane Data Centers in Dublin and Frankfurt. Corvane provides space, power, cooling, physical security and remote hands, and has no logical access to our systems or data. Both facilities hold ISO/IEC 27001 certification and provide SOC 2 Type II reports on their physical and environmental controls, which we review every year. Physical access to our cabinets is limited to named Tallyboard staff and escorted contractors, and every visit is logged."),
        ]),
        ("7. Logging and monitoring", [
            ("What security events do you log?", "Authentication events, privileged access, changes to infrastructure and configuration, access to customer data by staff, API activity, and security tool alerts, from the application, infrastructure, identity provider and endpoints. Logs are collected centrally and protected from modification by the people whose actions they record."),
            ("How long are logs retained?", "Retention depends on the type of log. " + quote + " Infrastructure and security logs collected by our security operations platform are retained for 13 months. Content delivery network and load balancer access logs are retained for 90 days. Debug logs from application services are retained for 14 days and do not contain customer content."),
            ("How do you detect suspicious activity in customer accounts?", "We monitor for signs of account takeover, such as sign-ins from unusual locations, impossible travel, credential stuffing patterns and sudden changes to payout bank accounts. Depending on the signal, we challenge the sign-in with a second factor, lock the account, or hold payouts and contact the workspace owner. Workspace administrators on the Enterprise plan receive an email for sign-ins by administrators from new devices."),
            ("Is there 24x7 security monitoring?", "Yes. Our security operations function monitors alerts around the clock, with staff in three time zones and an external managed detection and response provider for overnight coverage in the United States. Critical alerts page the security on-call engineer, who must acknowledge within 15 minutes."),
            ("Can customers receive their audit logs in their own SIEM?", "Yes, on the Enterprise plan. Audit events can be retrieved through the API endpoint for audit events, and can be streamed to a customer's SIEM through a webhook or to a storage bucket in the customer's own cloud account."),
        ]),
        ("8. Incident response", [
            ("Do you have an incident response plan?", "Yes. The plan defines roles, severity levels, communication procedures and playbooks for the most likely scenarios, including account takeover, data exposure, ransomware and payment fraud. It is tested through exercises at least twice a year, including one exercise with the executive team."),
            ("How and when will you notify us of a security incident affecting our data?", "As set out in our data processing addendum: without undue delay and within the time stated in its security annex after we become aware of a personal data breach affecting your data, by email to your workspace owners and security contact, followed by updates and a written incident report. We will also support Harbourline in meeting its own regulatory notification obligations."),
            ("Have you had any security breaches in the last three years?", "We have had no personal data breach that required notification to a supervisory authority or to customers in the last three years. Security incidents that did not involve customer data, such as phishing attempts against employees, are handled under the incident response plan and reported to the Audit Committee in aggregate."),
        ]),
        ("9. Business continuity", [
            ("Do you have a business continuity and disaster recovery plan?", "Yes. The plan is approved by our Risk Committee, reviewed annually and exercised twice a year, including a real regional failover. The European region was last failed over from Dublin to Frankfurt in October 2024, and the main application recovered within its recovery time objective of 4 hours."),
            ("What are your recovery objectives?", "For the main application and its database, a recovery time objective of 4 hours and a recovery point objective of 5 minutes for the loss of a whole region. Failures within a region are handled by automatic failover, usually within minutes. Recovery objectives for each system are summarised in our trust centre."),
            ("What availability do you commit to?", "99.9% monthly availability for the web application and API on the Enterprise plan, with service credits as set out in the Enterprise agreement. Actual availability has been above 99.95% in every quarter of the last two years. Current and historical availability is published on our status page."),
        ]),
        ("10. Vendors and subprocessors", [
            ("Do you use subprocessors? How do you manage them?", "Yes. Our subprocessors are listed in the data processing addendum and on our website, and customers can subscribe to notifications of changes, which we give at least 30 days in advance. Each subprocessor is assessed before engagement and at least annually, based on certifications, audit reports and questionnaires, and is bound by a written agreement with data protection obligations equivalent to ours."),
            ("Do any subprocessors have access to our data outside the region?", "Some subprocessors that provide support tooling, email delivery and security monitoring may process limited data from outside the European region, as described in the subprocessor list. Transfers are covered by the EU Standard Contractual Clauses and our certification under the EU-US Data Privacy Framework. Support staff in Manila access customer workspaces only through the controlled support access described in section 3."),
        ]),
        ("11. Privacy and compliance", [
            ("Do you have a Data Protection Officer?", "Yes. Our Data Protection Officer can be reached at privacy@tallyboard.com. Our representative in the European Union is Tallyboard Ireland Limited."),
            ("Will you sign our data processing agreement?", "Our standard data processing addendum applies automatically to every customer and includes the EU Standard Contractual Clauses and the UK addendum. We prefer to use it because it reflects how the service actually works, but we will review Harbourline's agreement and propose changes where needed."),
            ("Do you use customer data for any purpose other than providing the service?", "No. Customer content is used only to provide, secure and support the service. We use aggregated, de-identified usage statistics to improve the product, and never sell customer data or use it for advertising."),
        ]),
    ]
    blocks = [
        "Vendor Security Assessment — Response from Tallyboard, Inc.\nPrepared for Harbourline Insurance Group plc, Procurement and Information Security · Questionnaire reference HIG-VSA-2025-118 · Response dated 28 April 2025",
        "This document contains Tallyboard's responses to Harbourline Insurance Group's vendor security questionnaire, provided as part of Harbourline's evaluation of Tallyboard Enterprise. Answers describe our controls as they operate on the date above. Where Harbourline asked for evidence, we have noted the document that provides it; evidence marked as confidential is available through our trust centre under the mutual non-disclosure agreement signed on 9 April 2025.",
        "The responses were prepared by Tallyboard's security governance team and reviewed by our Chief Information Security Officer. Please send follow-up questions to your account executive, Callum Fraser, who will arrange a call with our security team. We are happy to walk Harbourline's information security team through any of these answers.",
        "Summary for Harbourline's reviewers. Tallyboard holds ISO/IEC 27001 certification and an annual SOC 2 Type II report, supports SAML single sign-on and SCIM provisioning on Enterprise, encrypts data in transit and at rest, stores European customers' data in Ireland and Germany, and offers Enterprise customers an audit log with streaming to their own SIEM. The main gap against Harbourline's requirements is customer-managed encryption keys, which we do not currently offer; we address this in section 4.",
    ]
    for title, qas in sections:
        blocks.append(title)
        for i, (q, a) in enumerate(qas, 1):
            number = title.split(".")[0]
            blocks.append(f"{number}.{i} {q}\n{a}")
    blocks += [
        "Declaration",
        "To the best of our knowledge, the answers in this document are accurate and complete on the date of the response. Tallyboard will inform Harbourline of any material change to the controls described here during the evaluation and, if Harbourline becomes a customer, through the notification mechanisms in the Enterprise agreement and the data processing addendum.",
        "Signed on behalf of Tallyboard, Inc. by Noor Schultz, Director of Security Governance and Compliance, 28 April 2025.",
    ]
    return {
        "tag": "questionnaire",
        "text": join(blocks),
        "question": "How long are application audit logs retained?",
        "answer": "400 days",
        "quote": quote,
    }

@builder
def sales_comp_plan():
    quote = ("Once an Account Executive's cumulative new ACV for the fiscal year exceeds 100% of annual quota, "
             "every additional dollar of new ACV earns commission at 14%, up to 200% of quota.")
    blocks = [
        "FY2025 Sales Compensation Plan\nTallyboard, Inc. · Applies to the Sales, Account Management, Sales Development and Solutions Engineering teams · Effective 1 February 2025 to 31 January 2026",
        "This document describes how variable compensation is earned and paid for the 2025 fiscal year. It is the plan document referred to in each participant's individual plan letter, which states the participant's role, on-target earnings, quota and territory. If this document and an individual plan letter disagree, the individual plan letter prevails for the items it specifies. Questions go to Sales Operations in #sales-comp, and every participant must acknowledge this document in the compensation system within 30 days of receiving it before any commission is paid.",
        "1. Purpose and principles",
        "The plan exists to reward the outcomes that matter most to Tallyboard this year: new Enterprise and mid-market customers on annual contracts, growth of existing customers, adoption of Tallyboard Pay, and customers who stay. It is designed to be simple enough that every participant can calculate their own commission from the compensation system's data, and to pay generously for performance above target.",
        "Changes from FY2024. Commission is now calculated on annual contract value rather than total contract value, so multi-year deals are rewarded through a separate bonus rather than through the base rate; Tallyboard Pay activation is a new component for Account Managers; quarterly quota attainment no longer resets accelerators, which now apply to annual cumulative attainment; and the clawback period has been shortened from 12 months to 6 months.",
        "What the plan does not reward. The plan does not pay for bookings that customers are unlikely to keep, for discounts that are not needed to win, or for deals that create work the company cannot deliver. It also does not pay for Store hardware sales, implementation fees or training fees, which are priced at cost or close to it and are there to help customers succeed, not to generate margin. Participants who are unsure whether a deal is good for Tallyboard should ask their manager before the order form is sent, not after.",
        "2. Eligibility and plan period",
        "The plan period is the fiscal year from 1 February 2025 to 31 January 2026. Participants are employees in the roles listed in section 4 who have signed an individual plan letter. Employees who join or change role during the year participate from their start date in the role, with quota and on-target variable compensation pro-rated by the number of days in the role, unless the individual plan letter says otherwise. New Account Executives have a ramp period described in section 5.4.",
        "Contractors, agencies and employees of partners are not eligible. Employees on leave of absence continue to earn commission on bookings credited to them before their leave and, for leaves longer than 30 days, have their quota reduced in proportion to the length of the leave.",
        "3. Definitions",
        bullets([
            "Annual contract value (ACV): the annualised recurring subscription fees in a signed order form, excluding one-off fees (implementation, training), Store hardware, taxes and Tallyboard Pay processing fees. For contracts shorter than 12 months, ACV is the total recurring fees of the contract.",
            "New ACV: ACV from a customer that had no paid Tallyboard subscription in the previous 90 days, including customers moving from a self-serve plan to a sales-assisted annual contract, where only the increase over the customer's previous annualised self-serve spend counts.",
            "Expansion ACV: the increase in ACV of an existing sales-assisted customer during its contract term or at renewal, from additional seats, a higher plan or add-ons.",
            "Renewal ACV: ACV of an existing sales-assisted contract that is renewed for a further term, up to the ACV of the expiring contract.",
            "Booking: an order form signed by the customer and countersigned by Tallyboard, with a valid purchase order where the customer requires one, and accepted by Deal Desk in the compensation system. A booking is credited in the month in which Deal Desk accepts it.",
            "Quota: the amount of new ACV, expansion ACV or other measure that the participant is expected to achieve in the plan period, stated in the individual plan letter.",
            "Attainment: credited bookings for the measure divided by quota, cumulative from the start of the plan period.",
            "On-target earnings (OTE): base salary plus on-target variable compensation, as stated in the individual plan letter.",
        ]),
        "Deal Desk. Deal Desk is part of Sales Operations and reviews every sales-assisted order form before it is sent to the customer for signature, checking pricing, discounts, terms and the customer's legal entity. Deal Desk accepts a booking in the compensation system when the countersigned order form, any required purchase order and the approvals in the deal approval workflow are complete. Deal Desk aims to accept bookings within 2 business days of receiving a complete package. Bookings received on the last business day of a month are accepted in that month if the package is complete by 18:00 Pacific time.",
        "4. Roles and pay mix",
        table(["Role", "Pay mix (base/variable)", "Primary measure", "Secondary measure"], [
            ["Account Executive, Mid-Market", "50/50", "New ACV", "Multi-year bonus"],
            ["Account Executive, Enterprise", "50/50", "New ACV", "Multi-year bonus"],
            ["Account Manager", "65/35", "Expansion ACV", "Gross retention; Tallyboard Pay activation"],
            ["Sales Development Representative", "70/30", "Qualified meetings", "Pipeline that converts to bookings"],
            ["Solutions Engineer", "80/20", "Team new ACV", "Technical win rate"],
            ["Sales Manager", "60/40", "Team new ACV", "Team ramp and retention"],
        ]),
        "5. Quotas and territories",
        "5.1 Quotas are set by the Chief Revenue Officer and approved by the Chief Financial Officer, based on the company plan, the territory's historic performance, the pipeline at the start of the year, and the participant's tenure. Quotas are annual. For reporting and coaching, Sales Operations also shows quarterly targets, which are 20%, 25%, 25% and 30% of the annual quota for the four quarters.\n\n5.2 Territories are defined by geography and company size for Account Executives and by named account lists for Account Managers. Territory changes during the year are made only when necessary for the business; a participant whose territory changes receives a written quota adjustment within 30 days.\n\n5.3 Quota relief may be granted by the CRO for accounts moved out of a territory, for a material change in product availability, or for events outside the participant's control. Requests are made through the compensation system with supporting data.\n\n5.4 Ramp. New Account Executives have a quota of 0% of full quota in their first month, 25% in their second and third months, 50% in their fourth to sixth months, and full quota thereafter, pro-rated monthly. During the first three months, new Account Executives also receive a non-recoverable draw of 50% of their monthly on-target variable compensation, which is paid in addition to any commission earned.",
        "5.5 Enterprise quotas. Enterprise Account Executives carry higher quotas with fewer, larger deals, and their attainment can vary widely from month to month. Their individual plan letters may include a guaranteed minimum commission for the first two quarters after joining, and quota relief may be granted for a single deal of more than $500,000 ACV that slips from one fiscal year to the next for reasons outside the participant's control, on the CRO's approval.",
        "6. Crediting rules",
        "6.1 A booking is credited to the Account Executive who owns the opportunity in the CRM when Deal Desk accepts the booking. Opportunity ownership disputes are resolved by the Sales Managers concerned and, if they cannot agree, by the CRO; they must be raised within 30 days of the booking.\n\n6.2 Split deals. Where two Account Executives work on the same deal, for example a customer headquartered in one territory with its buying team in another, the managers may agree a split, recorded in the CRM before the booking. Each participant receives the agreed percentage of the ACV toward attainment and commission. Splits other than 50/50 or 70/30 need CRO approval.\n\n6.3 Partner-sourced deals. Deals referred by an accountant partner or reseller are credited in full to the Account Executive, but ACV on which Tallyboard pays a partner commission of more than 20% is credited at 80% of its value.\n\n6.4 Self-serve upgrades. Upgrades made by customers through the self-serve billing page are not credited to anyone, unless the customer is in an Account Manager's named account list, in which case the upgrade counts as expansion ACV.\n\n6.5 Discounts. Bookings with discounts beyond the standard discount bands in the pricing guide are credited in full only if the discount was approved in the deal approval workflow before the order form was sent. Bookings with unapproved discounts are credited at the ACV that the maximum standard discount would have produced.\n\n6.6 Non-standard terms. Bookings with non-standard payment terms longer than 60 days, or with termination for convenience rights in the first year, are credited only when Deal Desk confirms that Finance has approved the terms.",
        "6.7 Store hardware and services. Tap readers, Tap Docks, implementation fees and training fees sold with a subscription do not count toward ACV or attainment and do not earn commission. Participants should still record them in the order form so that Finance and the Store team can plan delivery.\n\n6.8 Reorganisations. If accounts are moved between participants as part of a reorganisation, opportunities already in a late stage, as defined in the sales playbook, remain credited to the original owner if they are booked within 60 days of the move. Quotas are adjusted for the accounts moved.\n\n6.9 Customers in more than one region. For customers with workspaces in both the United States and European regions, the booking is credited to the territory of the customer's headquarters, and the managers of the other territory may agree a split under section 6.2 where their team did material work on the deal.",
        "6.10 Cancelled or amended bookings. If a booked order form is replaced by an amended order form within 30 days, for example to correct the legal entity or the start date, the original booking is reversed and the amended booking credited in the month it is accepted, without a clawback. Amendments that reduce ACV are treated as a reduction of the original booking.",
        "7. Sales Development Representatives",
        "SDRs earn variable compensation for qualified meetings and for the pipeline they create. A qualified meeting is a first meeting between an Account Executive and a prospect that meets the qualification criteria in the sales playbook, held and accepted by the Account Executive in the CRM within 7 days. SDRs earn $150 for each qualified meeting up to their monthly target and $200 for each meeting above it. In addition, SDRs earn 2% of the first-year new ACV of bookings from opportunities they sourced, credited when the booking is accepted. There is no cap.",
        "SDRs are measured monthly and paid monthly in arrears. Meetings that the Account Executive rejects as unqualified within 7 days do not count; disputes are resolved by the SDR manager and the Account Executive's manager together.",
        "Example. An SDR with a monthly target of 14 qualified meetings who books 18 in a month earns 14 x $150 plus 4 x $200, or $2,900. If one of the opportunities they sourced in an earlier month closes with a new ACV of $48,000, they also earn $960 in the month the booking is accepted.",
        "8. Solutions Engineers",
        "Solutions Engineers are paid on the new ACV of the team they support, with a quarterly component for technical win rate. 80% of on-target variable compensation is tied to team new ACV attainment, paid quarterly at the rate of attainment of the team's cumulative quota, with a multiplier of 1.2 for attainment above 100%. 20% is tied to technical win rate, the share of opportunities with a completed technical evaluation that progress to a proposal, paid quarterly on a scale from 50% (for a win rate of 60%) to 150% (for a win rate of 85% or more).",
        "Solutions Engineers are assigned to teams at the start of the year and share the team's quota. A Solutions Engineer who supports more than one team is paid on a weighted average of the teams' attainment, with weights stated in the individual plan letter. Technical win rate is calculated from the CRM by Sales Operations, using the technical evaluation stage of each opportunity; evaluations that the customer abandons for reasons unrelated to the product, such as a budget freeze recorded by the Account Executive, are excluded.",
        "9. Account Managers",
        "9.1 Expansion. Account Managers earn 6% of expansion ACV credited to them, from the first dollar, on bookings from their named accounts. Above 100% of their annual expansion quota, the rate rises to 9%. There is no cap.\n\n9.2 Gross retention. Each quarter, Account Managers earn a retention payment based on gross revenue retention of their named accounts for the quarter, meaning renewal ACV retained as a share of ACV up for renewal. The payment is 100% of the quarterly retention target payment at 92% gross retention, 50% at 88%, and 150% at 97% or above, with straight-line interpolation in between and no payment below 88%.\n\n9.3 Tallyboard Pay activation. Account Managers earn $400 for each named account that activates Tallyboard Pay during the plan period and processes at least $10,000 in payment volume within 90 days of activation, and a further $400 when the account processes $100,000 within 12 months of activation.\n\n9.4 Renewals are the Account Manager's responsibility but do not earn commission by themselves, except through the gross retention payment. Where a renewal includes an increase in ACV, the increase is expansion ACV.",
        "9.5 Example. An Account Manager with an annual expansion quota of $400,000 books $380,000 of expansion ACV by the end of the year. Their commission is 6% of $380,000, or $22,800, paid monthly as the bookings are accepted. If they book a further $50,000 in the last month, $20,000 of it earns 6% and the $30,000 above quota earns 9%, or $1,200 plus $2,700.",
        "Special incentives. From time to time, the CRO may run short incentives for a specific product, segment or period, such as a bonus for Enterprise bookings that include single sign-on or for the first bookings in a new country. Each incentive is announced in writing with its rules, eligibility, budget and end date, is paid in addition to this plan, and does not count toward attainment. Incentives are approved by the CFO and published in #sales-comp; an incentive that is not published there does not exist.",
        "Pipeline hygiene. Commission is calculated from the CRM and the compensation system, so their data must be accurate. Opportunities must have the correct owner, stage, close date, ACV and split before the booking is submitted to Deal Desk. Sales Operations audits a sample of bookings every month; where an audit finds that data was entered incorrectly to change crediting, the booking is recredited correctly and the matter is referred to the participant's manager.",
        "10. Account Executives",
        "10.1 Base commission. Account Executives earn commission on new ACV credited to them. The base commission rate is 9% of new ACV for bookings that take the Account Executive's cumulative attainment up to 100% of annual quota. For Enterprise Account Executives, the base rate is 8% and the individual plan letter states a higher on-target variable amount to reflect larger deal sizes.\n\n10.2 Decelerator. While cumulative attainment is below 50% of annual quota, new ACV earns commission at 6% instead of the base rate. When attainment passes 50%, the difference between 6% and the base rate is paid on all earlier bookings in the plan period in the next commission payment, so that a participant who reaches 50% has been paid the base rate on all bookings. Ramp quota applies when calculating attainment for new Account Executives.\n\n10.3 Accelerator. " + quote + " New ACV above 200% of quota earns commission at 16%. Bookings that cross a threshold are split at the threshold, so that the part of the booking below the threshold earns the lower rate. Accelerators apply to cumulative annual attainment; there is no quarterly reset.\n\n10.4 Multi-year bonus. For contracts with a committed term of two years or more and annual prepayment, the Account Executive earns a bonus of 2% of the ACV of each committed year after the first, paid when the first year's invoice is paid. For contracts with the full term prepaid, the bonus is 3% of the ACV of each committed year after the first.\n\n10.5 Tallyboard Pay bonus. For a new customer that activates Tallyboard Pay within 90 days of its booking, the Account Executive earns $500, paid in the month after activation, provided the customer processes at least $5,000 in that period.",
        "11. Sales Managers",
        "Sales Managers are paid on the cumulative new ACV attainment of their team against the team's annual quota, which is the sum of the quotas of their Account Executives (including ramp quotas). Commission is paid monthly on new ACV credited to the team, at a rate that makes a manager's on-target variable compensation payable at 100% team attainment, with the rate multiplied by 1.5 on team ACV above 100% of the team quota. Sales Managers also earn a half-yearly payment of up to 20% of their on-target variable compensation for team ramp and retention, based on the share of their Account Executives who are fully ramped and the team's regretted attrition.",
        "12. Payment timing",
        "Commission is calculated monthly, after the end of each month, and paid with the payroll at the end of the following month. A statement showing every credited booking, its rate and the commission earned is available in the compensation system by the 15th of the month after the bookings. Quarterly components are paid with the payroll at the end of the month after the quarter. The compensation system is the system of record for all calculations.",
        "Payment is subject to the customer paying its first invoice. If the customer has not paid its first invoice within 90 days of the booking, commission already paid on the booking is recovered from future commission, and paid again when the customer pays.",
        "13. Clawbacks",
        "If a customer cancels, does not pay, or receives a refund or credit note for reasons other than a Tallyboard service failure, within 6 months of the booking, the commission on the affected ACV is recovered from future commission. If there is not enough future commission, the participant and Tallyboard will agree a repayment plan, to the extent permitted by law. Clawbacks are shown on the commission statement with the reason. Clawbacks do not apply after a participant has left Tallyboard, except in cases of fraud or misconduct.",
        "14. Leaving Tallyboard or changing role",
        "Participants who leave Tallyboard are paid commission on bookings credited to them up to their last day of employment, subject to the first invoice being paid, in the payroll after the customer pays. Quarterly and half-yearly components are paid pro rata only if the participant is employed on the last day of the period, unless local law requires otherwise. Participants who change role are paid under this plan for bookings credited before the change and under the new role's plan afterwards.",
        "15. Disputes and exceptions",
        "A participant who believes a calculation is wrong should raise it in the compensation system within 60 days of the statement. Sales Operations will respond within 10 business days. Unresolved disputes are decided by a committee of the CRO, the CFO and the VP People, whose decision is final. Exceptions to this plan require written approval from the CRO and the CFO; no one else may promise a participant any payment that this plan does not provide.",
        "16. Plan administration",
        "Tallyboard may amend or end this plan at any time with 30 days' written notice, without retroactive effect on commission already earned. Tallyboard may adjust commission on any booking that results from a mistake, a breach of company policy or behaviour that is inconsistent with the spirit of the plan, such as splitting deals, misrepresenting the product, or offering terms that were not approved. Nothing in this plan is a promise of continued employment.",
        "17. Taxes and deductions",
        "Commission is subject to income tax, social security contributions and other deductions required by law in the participant's country of employment, and is included in pensionable pay only where the participant's pension plan or local law requires it. Draws and guaranteed minimum commissions are taxed in the month they are paid. Participants should ask their own tax adviser about their personal situation.",
        "Appendix: worked example",
        "An Account Executive, Mid-Market, has an annual quota of $600,000 of new ACV and is fully ramped. By the end of July, their cumulative new ACV is $540,000, all of which has been paid at the base rate after they passed $300,000 in May. In August, they close a new customer with $90,000 of ACV on a two-year contract with annual prepayment. The booking takes cumulative attainment from $540,000 to $630,000. The first $60,000 of the booking, up to quota, earns the base rate: $5,400. The remaining $30,000, above quota, earns the accelerated rate in section 10.3: $4,200. The multi-year bonus for the second committed year is 2% of $90,000: $1,800, paid when the first invoice is paid. If the customer activates Tallyboard Pay within 90 days and processes at least $5,000, the Account Executive also earns $500.",
        "Acknowledgement: by acknowledging this plan in the compensation system, the participant confirms that they have read and understood it, together with their individual plan letter.",
    ]
    return {
        "tag": "comp_plan",
        "text": join(blocks),
        "question": "What commission rate do Account Executives earn on new ACV above 100% of their annual quota?",
        "answer": "14%",
        "quote": quote,
    }


def main():
    cases = []
    for number, build in enumerate(BUILDERS, 1):
        doc = build()
        text = doc["text"]
        answer, quote = doc["answer"], doc["quote"]
        assert 22000 <= len(text) <= 32000, (build.__name__, len(text))
        if not doc.get("answer_repeats"):
            assert text.count(answer) == 1, (build.__name__, "answer count", text.count(answer))
        assert text.count(quote) == 1, (build.__name__, "quote count", text.count(quote))
        assert answer in quote, (build.__name__, "answer not in quote")
        pos = text.index(quote)
        assert pos >= 0.65 * len(text), (build.__name__, "too early", round(pos / len(text), 3))
        last_par = text.rsplit("\n\n", 1)[-1]
        assert quote not in last_par, (build.__name__, "in final paragraph")
        content = f"{text}\n\nQuestion: {doc['question']}"
        cases.append({
            "id": f"ld-{number:03d}",
            "messages": [{"role": "user", "content": content}],
            "expected": {"answer": answer, "quote": quote},
            "tags": [doc["tag"], "deep"],
        })
    with open(OUT, "w", encoding="utf-8") as f:
        for case in cases:
            f.write(json.dumps(case, ensure_ascii=False) + "\n")
    for case in cases:
        content = case["messages"][0]["content"]
        pos = content.index(case["expected"]["quote"])
        print(f"{case['id']}  {case['tags'][0]:<18} {len(content):>6} chars  quote at {pos / len(content):.2f}")
    print(f"wrote {len(cases)} cases to {OUT}")


if __name__ == "__main__":
    main()
