using System.Globalization;

namespace Lifecycle.Interchange;

/// <summary>
/// A CRM export read as one of the folder's files: its columns renamed onto the interchange columns and its
/// values (stages, sources, types) translated. The tables are documented in docs/crm-mapping.md.
/// </summary>
internal sealed class CrmDialect
{
    public required string FileName { get; init; }
    public required string Kind { get; init; }
    public required string Actor { get; init; }
    public required string StageReason { get; init; }
    public required IReadOnlyDictionary<string, string> Rename { get; init; }
    public IReadOnlyDictionary<string, Func<string, string?>> Values { get; init; } = new Dictionary<string, Func<string, string?>>();

    public string? Value(string column, string? value) =>
        value is not null && Values.TryGetValue(column, out var translate) ? translate(value) : value;

    /// <summary>CRM exports write local date-times without an offset, or bare dates: they are read as UTC.</summary>
    public DateTime? Instant(CsvRows csv, string column)
    {
        var text = csv.Text(column);
        if (text is null) return null;
        if (text.Length > 0 && text.All(char.IsDigit) && long.TryParse(text, out var milliseconds))
            return DateTimeOffset.FromUnixTimeMilliseconds(milliseconds).UtcDateTime; // HubSpot's API exports
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var instant)
            ? instant.UtcDateTime
            : throw csv.Error(column, $"'{text}' is not a date or date-time");
    }
}

internal static class CrmDialects
{
    private static string Key(string value) => new(value.ToLowerInvariant().Where(char.IsLetterOrDigit).ToArray());

    private static Func<string, string?> Map(Dictionary<string, string?> table, bool keepUnknown = false) =>
        value => table.TryGetValue(Key(value), out var mapped) ? mapped : keepUnknown ? value : null;

    private static readonly Dictionary<string, string?> HubSpotStages = new()
    {
        ["subscriber"] = "inquiry", ["lead"] = "lead", ["marketingqualifiedlead"] = "mql", ["salesqualifiedlead"] = "sql",
        ["opportunity"] = "opportunity", ["customer"] = "customer", ["evangelist"] = "customer", ["other"] = null,
    };

    private static readonly Dictionary<string, string?> HubSpotSources = new()
    {
        ["organicsearch"] = "organic_search", ["paidsearch"] = "paid_search", ["emailmarketing"] = "email", ["socialmedia"] = "organic_social",
        ["organicsocial"] = "organic_social", ["paidsocial"] = "paid_social", ["referrals"] = "referral", ["othercampaigns"] = "other",
        ["directtraffic"] = "direct", ["offline"] = "events", ["offlinesources"] = "events", ["aireferrals"] = "referral",
    };

    private static readonly Dictionary<string, string?> SalesforceLeadStatus = new()
    {
        ["opennotcontacted"] = "lead", ["workingcontacted"] = "sal", ["closedconverted"] = "sql", ["closednotconverted"] = "disqualified",
        ["new"] = "lead", ["working"] = "sal", ["nurturing"] = "recycled", ["qualified"] = "sql", ["unqualified"] = "disqualified",
    };

    private static readonly Dictionary<string, string?> SalesforceSources = new()
    {
        ["web"] = "organic_search", ["phoneinquiry"] = "direct", ["partnerreferral"] = "partners", ["purchasedlist"] = "other",
        ["other"] = "other", ["advertisement"] = "paid_search", ["employeereferral"] = "referral", ["externalreferral"] = "referral",
        ["tradeshow"] = "events", ["webinar"] = "webinar", ["seminarinternal"] = "events", ["seminarpartner"] = "partners", ["email"] = "email",
    };

    public static readonly CrmDialect[] All =
    [
        new()
        {
            FileName = "hubspot-companies.csv", Kind = DatasetFiles.Accounts, Actor = "import:hubspot", StageReason = "HubSpot lifecycle stage",
            Rename = new Dictionary<string, string>
            {
                ["Record ID"] = "account_id", ["Company name"] = "name", ["Company Domain Name"] = "domain", ["Industry"] = "industry",
                ["Number of Employees"] = "employees", ["Country/Region"] = "country", ["Company owner"] = "owner",
            },
        },
        new()
        {
            FileName = "salesforce-accounts.csv", Kind = DatasetFiles.Accounts, Actor = "import:salesforce", StageReason = "Salesforce status",
            Rename = new Dictionary<string, string>
            {
                ["Id"] = "account_id", ["Name"] = "name", ["Website"] = "domain", ["Industry"] = "industry",
                ["NumberOfEmployees"] = "employees", ["BillingCountry"] = "country", ["OwnerId"] = "owner",
            },
        },
        new()
        {
            FileName = "hubspot-contacts.csv", Kind = DatasetFiles.Contacts, Actor = "import:hubspot", StageReason = "HubSpot lifecycle stage",
            Rename = new Dictionary<string, string>
            {
                ["Record ID"] = "contact_id", ["First Name"] = "first_name", ["Last Name"] = "last_name", ["Email"] = "email",
                ["Job Title"] = "title", ["Country/Region"] = "country", ["Original Source"] = "lead_source", ["Create Date"] = "created_at",
                ["Associated Company ID"] = "account_id", ["Lifecycle Stage"] = RowReader.StatusColumn,
            },
            Values = new Dictionary<string, Func<string, string?>>
            {
                ["lead_source"] = Map(HubSpotSources, keepUnknown: true), [RowReader.StatusColumn] = Map(HubSpotStages),
            },
        },
        new()
        {
            FileName = "salesforce-leads.csv", Kind = DatasetFiles.Contacts, Actor = "import:salesforce", StageReason = "Salesforce lead status",
            Rename = SalesforcePeople,
            Values = new Dictionary<string, Func<string, string?>>
            {
                ["lead_source"] = Map(SalesforceSources, keepUnknown: true), [RowReader.StatusColumn] = Map(SalesforceLeadStatus),
            },
        },
        new()
        {
            FileName = "salesforce-contacts.csv", Kind = DatasetFiles.Contacts, Actor = "import:salesforce", StageReason = "Salesforce status",
            Rename = SalesforcePeople.Where(c => c.Key != "Status").ToDictionary(),
            Values = new Dictionary<string, Func<string, string?>> { ["lead_source"] = Map(SalesforceSources, keepUnknown: true) },
        },
        new()
        {
            FileName = "hubspot-deals.csv", Kind = DatasetFiles.Deals, Actor = "import:hubspot", StageReason = "HubSpot deal stage",
            Rename = new Dictionary<string, string>
            {
                ["Record ID"] = "deal_id", ["Amount"] = "amount", ["Close Date"] = "closed_at", ["Create Date"] = "created_at",
                ["Deal Stage"] = "outcome", ["Deal Type"] = "type", ["Associated Company IDs"] = "account_id", ["Associated Contact IDs"] = "contact_id",
            },
            Values = new Dictionary<string, Func<string, string?>>
            {
                ["outcome"] = stage => Key(stage) switch { "closedwon" => "won", "closedlost" => "lost", _ => "open" },
                ["type"] = type => Key(type) switch { "newbusiness" => "new", "existingbusiness" => "upsell", "renewal" => "renewal", "crosssell" => "cross_sell", _ => "new" },
                // Associations export as a ';'-separated list: the first is the deal's account / contact.
                ["account_id"] = ids => ids.Split(';')[0].Trim(),
                ["contact_id"] = ids => ids.Split(';')[0].Trim() is { Length: > 0 } first ? first : null,
            },
        },
        new()
        {
            FileName = "salesforce-opportunities.csv", Kind = DatasetFiles.Deals, Actor = "import:salesforce", StageReason = "Salesforce stage",
            Rename = new Dictionary<string, string>
            {
                ["Id"] = "deal_id", ["AccountId"] = "account_id", ["ContactId"] = "contact_id", ["Amount"] = "amount", ["CloseDate"] = "closed_at",
                ["CreatedDate"] = "created_at", ["StageName"] = "outcome", ["Type"] = "type", ["CampaignId"] = "campaign_id",
            },
            Values = new Dictionary<string, Func<string, string?>>
            {
                ["outcome"] = stage => Key(stage) switch { "closedwon" => "won", "closedlost" => "lost", _ => "open" },
                ["type"] = type => Key(type) switch
                {
                    "newcustomer" or "newbusiness" => "new", "existingcustomerupgrade" or "upsell" => "upsell",
                    "existingcustomerreplacement" or "crosssell" => "cross_sell", "renewal" or "existingcustomerdowngrade" => "renewal", _ => "new",
                },
            },
        },
    ];

    private static Dictionary<string, string> SalesforcePeople => new()
    {
        ["Id"] = "contact_id", ["FirstName"] = "first_name", ["LastName"] = "last_name", ["Email"] = "email", ["Title"] = "title",
        ["Country"] = "country", ["MailingCountry"] = "country", ["LeadSource"] = "lead_source", ["CreatedDate"] = "created_at",
        ["AccountId"] = "account_id", ["Status"] = RowReader.StatusColumn,
    };

    /// <summary>The folder's files in import order: each standard file, then the CRM exports of the same kind.</summary>
    public static IEnumerable<(string File, CrmDialect? Dialect)> FilesInOrder(string folder)
    {
        foreach (var file in DatasetFiles.InImportOrder)
        {
            if (File.Exists(Path.Combine(folder, file))) yield return (file, null);
            foreach (var dialect in All.Where(d => d.Kind == file && File.Exists(Path.Combine(folder, d.FileName))))
                yield return (dialect.FileName, dialect);
        }
    }
}
