namespace Lifecycle.Interchange;

/// <summary>File names and standard columns of a dataset folder (interchange.md). Other columns are custom fields.</summary>
public static class DatasetFiles
{
    public const string Accounts = "accounts.csv";
    public const string Contacts = "contacts.csv";
    public const string Campaigns = "campaigns.csv";
    public const string Costs = "costs.csv";
    public const string Transitions = "transitions.csv";
    public const string Deals = "deals.csv";
    public const string Subscriptions = "subscriptions.csv";
    public const string Nps = "nps.csv";
    public const string Events = "events.jsonl";

    /// <summary>Import order: every file only refers to rows of files before it.</summary>
    public static readonly string[] InImportOrder = [Accounts, Campaigns, Contacts, Costs, Transitions, Deals, Subscriptions, Nps, Events];

    public static readonly string[] AccountColumns = ["account_id", "name", "domain", "industry", "employees", "country", "owner"];
    public static readonly string[] ContactColumns = ["contact_id", "email", "first_name", "last_name", "title", "account_id", "country", "lead_source", "campaign_id", "created_at", "birthday", "consent"];
    public static readonly string[] CampaignColumns = ["campaign_id", "name", "channel", "audience", "starts_on", "ends_on"];
    public static readonly string[] CostColumns = ["month", "campaign_id", "channel", "category", "amount"];
    /// <summary>`actor` and `campaign_id` extend the spec's columns so an export keeps who made each change.</summary>
    public static readonly string[] TransitionColumns = ["contact_id", "to_status", "at", "reason", "actor", "campaign_id"];
    public static readonly string[] DealColumns = ["deal_id", "account_id", "contact_id", "type", "amount", "created_at", "closed_at", "outcome", "campaign_id"];
    public static readonly string[] SubscriptionColumns = ["subscription_id", "account_id", "mrr", "starts_on", "ends_on"];
    public static readonly string[] NpsColumns = ["contact_id", "score", "comment", "responded_at"];
}
