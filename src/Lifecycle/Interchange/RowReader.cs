using Lifecycle.Campaigns;
using Lifecycle.Contacts;
using Lifecycle.Pipeline;

namespace Lifecycle.Interchange;

/// <summary>
/// Turns one CSV row into the rows it stands for, checking formats, enums, references (to the database or to
/// rows of this import) and duplicate keys in the file. Throws <see cref="ImportException"/> on the first bad value.
/// </summary>
internal sealed class RowReader(CsvRows csv, KnownKeys known, CrmDialect? dialect)
{
    /// <summary>A CRM export's stage column, mapped onto a status: imported as a transition at the row's creation.</summary>
    public const string StatusColumn = "status";

    private readonly HashSet<string> _keys = new(StringComparer.Ordinal);
    public long Rows { get; private set; }

    public object Row(string kind)
    {
        Rows++;
        return kind switch
        {
            DatasetFiles.Accounts => Account(),
            DatasetFiles.Campaigns => Campaign(),
            DatasetFiles.Contacts => Contact(),
            DatasetFiles.Costs => Cost(),
            DatasetFiles.Transitions => Transition(),
            DatasetFiles.Deals => Deal(),
            DatasetFiles.Subscriptions => Subscription(),
            DatasetFiles.Nps => Nps(),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
    }

    private void Unique(string column, string key)
    {
        if (!_keys.Add(key)) throw csv.Error(column, $"'{key}' appears twice in the file");
    }

    private string? Reference(string column, HashSet<string> keys, string what)
    {
        var id = csv.Text(column);
        if (id is not null && !keys.Contains(id)) throw csv.Error(column, $"no {what} '{id}' (in the database or earlier in this import)");
        return id;
    }

    private string ContactReference(string column)
    {
        var id = csv.Required(column);
        if (!known.ContactCampaigns.ContainsKey(id)) throw csv.Error(column, $"no contact '{id}' (in the database or earlier in this import)");
        return id;
    }

    private DateTime? Instant(string column) => dialect is null ? csv.Instant(column) : dialect.Instant(csv, column);

    private string? Text(string column) => dialect is null ? csv.Text(column) : dialect.Value(column, csv.Text(column));

    private Account Account()
    {
        var id = csv.Required("account_id");
        Unique("account_id", id);
        var account = new Account
        {
            Id = id, Name = csv.Required("name"), Domain = csv.Text("domain"), Industry = csv.Text("industry"),
            Employees = csv.Integer("employees", 0), Country = csv.Text("country"), Owner = csv.Text("owner"), Custom = csv.Custom(),
        };
        known.Accounts.Add(id);
        return account;
    }

    private Campaign Campaign()
    {
        var id = csv.Required("campaign_id");
        Unique("campaign_id", id);
        var campaign = new Campaign
        {
            Id = id, Name = csv.Required("name"), Channel = csv.Required("channel"),
            Audience = csv.Enum("audience", (Audience?)Audience.Prospects), StartsOn = csv.Date("starts_on"), EndsOn = csv.Date("ends_on"), Custom = csv.Custom(),
        };
        if (campaign.EndsOn < campaign.StartsOn) throw csv.Error("ends_on", "is before starts_on");
        known.Campaigns.Add(id);
        return campaign;
    }

    /// <summary>A contact; with a CRM stage column, also the transition into that stage (returned via <see cref="Pending"/>).</summary>
    private Contact Contact()
    {
        var id = csv.Required("contact_id");
        Unique("contact_id", id);
        var email = csv.Email("email");
        if (email is not null && known.EmailOwners.TryGetValue(email, out var owner) && owner != id)
            throw csv.Error("email", $"'{email}' already belongs to contact '{owner}'");
        var contact = new Contact
        {
            Id = id, Email = email, FirstName = csv.Text("first_name"), LastName = csv.Text("last_name"), Title = csv.Text("title"),
            AccountId = Reference("account_id", known.Accounts, "account"), Country = csv.Text("country"),
            LeadSource = Text("lead_source"), CampaignId = Reference("campaign_id", known.Campaigns, "campaign"),
            CreatedAt = Instant("created_at") ?? throw csv.Error("created_at", "required"),
            Birthday = csv.Date("birthday"), Consent = csv.Bool("consent"), Custom = csv.Custom(),
        };
        if (email is not null) known.EmailOwners[email] = id;
        known.ContactCampaigns[id] = contact.CampaignId;
        if (csv.Has(StatusColumn) && Text(StatusColumn) is { } stage)
        {
            if (!ContactStatusNames.TryParse(stage, out var status)) throw csv.Error(StatusColumn, $"'{stage}' is not a lifecycle status");
            Pending.Add(new Transition
            {
                ContactId = id, ToStatus = status, At = contact.CreatedAt, Reason = dialect?.StageReason, Actor = dialect?.Actor ?? "import",
                CampaignId = contact.CampaignId,
            });
        }
        return contact;
    }

    /// <summary>Rows a CSV row implies besides itself (a CRM contact's stage), collected for the same file's transaction.</summary>
    public List<Transition> Pending { get; } = [];

    private CostLine Cost()
    {
        var cost = new CostLine
        {
            Month = csv.Month("month"), CampaignId = Reference("campaign_id", known.Campaigns, "campaign"), Channel = csv.Required("channel"),
            Category = csv.Enum<CostCategory>("category"), Amount = csv.Amount("amount"),
        };
        Unique("month", $"{InterchangeText.Month(cost.Month)}|{cost.CampaignId}|{cost.Channel}|{cost.Category}");
        return cost;
    }

    private Transition Transition()
    {
        var contactId = ContactReference("contact_id");
        var status = csv.Required("to_status");
        if (!ContactStatusNames.TryParse(status, out var to)) throw csv.Error("to_status", $"'{status}' is not a lifecycle status ({string.Join(", ", ContactStatusNames.All)})");
        var at = csv.Instant("at") ?? throw csv.Error("at", "required");
        Unique("at", $"{contactId}|{at:O}|{to}");
        return new Transition
        {
            ContactId = contactId, ToStatus = to, At = at, Reason = csv.Text("reason"), Actor = csv.Text("actor") ?? "import",
            CampaignId = Reference("campaign_id", known.Campaigns, "campaign") ?? known.ContactCampaigns[contactId],
        };
    }

    private Deal Deal()
    {
        var id = csv.Required("deal_id");
        Unique("deal_id", id);
        var accountId = Text("account_id") ?? throw csv.Error("account_id", "required");
        if (!known.Accounts.Contains(accountId)) throw csv.Error("account_id", $"no account '{accountId}' (in the database or earlier in this import)");
        var contactId = Text("contact_id");
        if (contactId is not null && !known.ContactCampaigns.ContainsKey(contactId)) throw csv.Error("contact_id", $"no contact '{contactId}' (in the database or earlier in this import)");
        var deal = new Deal
        {
            Id = id, AccountId = accountId, ContactId = contactId,
            Type = dialect is null ? csv.Enum("type", (DealType?)DealType.New) : Parse<DealType>("type", dialect.Value("type", csv.Text("type")) ?? "new"),
            Amount = csv.Amount("amount"), CreatedAt = Instant("created_at") ?? throw csv.Error("created_at", "required"),
            ClosedAt = Instant("closed_at"),
            Outcome = dialect is null ? csv.Enum("outcome", (DealOutcome?)DealOutcome.Open) : Parse<DealOutcome>("outcome", dialect.Value("outcome", csv.Text("outcome")) ?? "open"),
            CampaignId = Reference("campaign_id", known.Campaigns, "campaign"), Custom = csv.Custom(),
        };
        if (deal.ClosedAt < deal.CreatedAt) throw csv.Error("closed_at", "is before created_at");
        if (deal.Outcome != DealOutcome.Open && deal.ClosedAt is null) throw csv.Error("closed_at", $"required for a {Storage.SnakeCase.Of(deal.Outcome.ToString())} deal");
        if (deal.Outcome == DealOutcome.Open && dialect is not null) deal.ClosedAt = null; // a CRM's expected close date is not a close
        return deal;
    }

    private TEnum Parse<TEnum>(string column, string text) where TEnum : struct, Enum =>
        Storage.SnakeCase.TryParseEnum<TEnum>(text, out var value) ? value : throw csv.Error(column, $"'{text}' cannot be mapped");

    private Subscription Subscription()
    {
        var id = csv.Required("subscription_id");
        Unique("subscription_id", id);
        var accountId = csv.Required("account_id");
        if (!known.Accounts.Contains(accountId)) throw csv.Error("account_id", $"no account '{accountId}' (in the database or earlier in this import)");
        var subscription = new Subscription
        {
            Id = id, AccountId = accountId, Mrr = csv.Amount("mrr"),
            StartsOn = csv.Date("starts_on") ?? throw csv.Error("starts_on", "required"), EndsOn = csv.Date("ends_on"),
        };
        if (subscription.EndsOn < subscription.StartsOn) throw csv.Error("ends_on", "is before starts_on");
        return subscription;
    }

    private NpsResponse Nps()
    {
        var contactId = ContactReference("contact_id");
        var response = new NpsResponse
        {
            ContactId = contactId, Score = csv.Integer("score", 0, 10) ?? throw csv.Error("score", "required"), Comment = csv.Text("comment"),
            RespondedAt = csv.Instant("responded_at") ?? throw csv.Error("responded_at", "required"),
        };
        Unique("responded_at", $"{contactId}|{response.RespondedAt:O}");
        return response;
    }
}
