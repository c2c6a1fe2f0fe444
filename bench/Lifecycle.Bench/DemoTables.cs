using System.Text.Json;
using Lifecycle.Contacts;
using Lifecycle.Demo;
using Lifecycle.Storage;
using Lifecycle.Tracking;
using NpgsqlTypes;

namespace Lifecycle.Bench;

/// <summary>A column the import writes, with its PostgreSQL type as the migrations define it (binary COPY needs it).</summary>
internal sealed record SeedColumn(string Name, NpgsqlDbType Type);

/// <summary>A table's rows as the import stores them, in the order it writes them; columns left out keep their defaults.</summary>
internal sealed record SeedTable(string Name, SeedColumn[] Columns, int Count, IEnumerable<object?[]> Rows);

/// <summary>
/// The generated dataset (in file order, <see cref="DemoFolder.InFileOrder"/>) as the rows `lifecycle import` writes
/// for its folder, table by table in the import's order. Values are the generator's, in the stored form of the
/// importer's upserts (enums in snake_case, custom fields as JSON); the values the import derives are derived by
/// the same rules: transition chains as Upsert.TransitionsAsync re-derives them, account statuses by
/// <see cref="AccountStatusRule"/>. Consents are not here: the seed runs the import's own statement for them. Events
/// come in batches from the second generation (<see cref="Events"/>).
/// </summary>
internal static class DemoTables
{
    private static readonly NpgsqlDbType Id = NpgsqlDbType.Varchar, Text = NpgsqlDbType.Text, Instant = NpgsqlDbType.TimestampTz,
        Date = NpgsqlDbType.Date, Money = NpgsqlDbType.Numeric;

    private static string Name<TEnum>(TEnum value) where TEnum : struct, Enum => SnakeCase.Of(value.ToString());
    private static string Json(Dictionary<string, string> custom) => JsonSerializer.Serialize(custom);
    private static SeedColumn[] Columns(params (string Name, NpgsqlDbType Type)[] columns) => columns.Select(c => new SeedColumn(c.Name, c.Type)).ToArray();

    /// <param name="now">The instant account statuses are taken at (the import takes its clock's now).</param>
    public static List<SeedTable> InImportOrder(DemoDataset files, DateTime now)
    {
        var (from, statusOf) = Chains(files);
        var dealsOf = files.Deals.ToLookup(d => d.AccountId, StringComparer.Ordinal);
        var subscriptionsOf = files.Subscriptions.ToLookup(s => s.AccountId, StringComparer.Ordinal);
        return
        [
            new("accounts", Columns(("id", Id), ("name", Text), ("domain", Text), ("industry", Text), ("employees", NpgsqlDbType.Integer),
                    ("country", Text), ("owner", Text), ("status", Text), ("custom", Text)),
                files.Accounts.Count, files.Accounts.Select(a => new object?[]
                {
                    // An account with neither deals nor subscriptions is a prospect, as the import leaves it.
                    a.Id, a.Name, a.Domain, a.Industry, a.Employees, a.Country, a.Owner,
                    Name(AccountStatusRule.At(now, dealsOf[a.Id].ToList(), subscriptionsOf[a.Id].ToList())), Json(a.Custom),
                })),
            new("campaigns", Columns(("id", Id), ("name", Text), ("channel", Text), ("audience", Text), ("starts_on", Date), ("ends_on", Date), ("custom", Text)),
                files.Campaigns.Count, files.Campaigns.Select(c => new object?[] { c.Id, c.Name, c.Channel, Name(c.Audience), c.StartsOn, c.EndsOn, Json(c.Custom) })),
            new("contacts", Columns(("id", Id), ("email", Text), ("first_name", Text), ("last_name", Text), ("title", Text), ("account_id", Text),
                    ("country", Text), ("lead_source", Text), ("campaign_id", Text), ("created_at", Instant), ("birthday", Date),
                    ("consent", NpgsqlDbType.Boolean), ("status", Text), ("custom", Text)),
                files.Contacts.Count, files.Contacts.Select(c => new object?[]
                {
                    c.Id, c.Email, c.FirstName, c.LastName, c.Title, c.AccountId, c.Country, c.LeadSource, c.CampaignId, c.CreatedAt,
                    c.Birthday, c.Consent, statusOf.GetValueOrDefault(c.Id), Json(c.Custom),
                })),
            new("cost_lines", Columns(("month", Date), ("campaign_id", Text), ("channel", Text), ("category", Text), ("amount", Money)),
                files.Costs.Count, files.Costs.Select(c => new object?[] { c.Month, c.CampaignId, c.Channel, Name(c.Category), c.Amount })),
            new("transitions", Columns(("contact_id", Text), ("from_status", Text), ("to_status", Text), ("at", Instant), ("reason", Text),
                    ("actor", Text), ("campaign_id", Text)),
                files.Transitions.Count, files.Transitions.Select((t, i) => new object?[] { t.ContactId, from[i], t.ToStatus.ToName(), t.At, t.Reason, t.Actor, t.CampaignId })),
            new("deals", Columns(("id", Id), ("account_id", Text), ("contact_id", Text), ("type", Text), ("amount", Money), ("created_at", Instant),
                    ("closed_at", Instant), ("outcome", Text), ("campaign_id", Text), ("custom", Text)),
                files.Deals.Count, files.Deals.Select(d => new object?[]
                {
                    d.Id, d.AccountId, d.ContactId, Name(d.Type), d.Amount, d.CreatedAt, d.ClosedAt, Name(d.Outcome), d.CampaignId, Json(d.Custom),
                })),
            new("subscriptions", Columns(("id", Id), ("account_id", Text), ("mrr", Money), ("starts_on", Date), ("ends_on", Date)),
                files.Subscriptions.Count, files.Subscriptions.Select(s => new object?[] { s.Id, s.AccountId, s.Mrr, s.StartsOn, s.EndsOn })),
            new("nps_responses", Columns(("contact_id", Text), ("score", NpgsqlDbType.Integer), ("comment", Text), ("responded_at", Instant)),
                files.Nps.Count, files.Nps.Select(n => new object?[] { n.ContactId, n.Score, n.Comment, n.RespondedAt })),
        ];
    }

    private static readonly SeedColumn[] EventColumns = Columns(("message_id", Id), ("type", Text), ("name", Text), ("contact_id", Text),
        ("user_id", Text), ("anonymous_id", Text), ("group_id", Text), ("timestamp", Instant), ("received_at", Instant), ("flag", Text), ("payload", Text));

    private static readonly string[] FlagNames = Enum.GetValues<TimestampFlag>().Select(f => Name(f)).ToArray();

    /// <summary>Event rows as the import's reader made them, in the columns EventStore writes (arrival keeps its default).</summary>
    public static SeedTable Events(IReadOnlyList<EventRow> rows) => new("events", EventColumns, rows.Count, rows.Select(e => new object?[]
    {
        e.MessageId, e.Type, e.Name, e.ContactId, e.UserId, e.AnonymousId, e.GroupId, e.Timestamp, e.ReceivedAt, FlagNames[(int)e.Flag], e.Payload,
    }));

    /// <summary>
    /// The import re-derives every imported contact's chain from its transitions in (at, id) order: each one's from is
    /// the status before it, and the contact's status is the latest one's. The file order is contact, then at, ties
    /// in file order, and ids are given in file order, so one pass over the file order derives the same chains.
    /// </summary>
    private static (string?[] From, Dictionary<string, string> StatusOf) Chains(DemoDataset files)
    {
        var transitions = files.Transitions;
        var from = new string?[transitions.Count];
        var statusOf = new Dictionary<string, string>(files.Contacts.Count, StringComparer.Ordinal);
        for (var i = 0; i < transitions.Count; i++)
        {
            var contact = transitions[i].ContactId;
            from[i] = i > 0 && transitions[i - 1].ContactId == contact ? transitions[i - 1].ToStatus.ToName() : null;
            statusOf[contact] = transitions[i].ToStatus.ToName();
        }
        return (from, statusOf);
    }
}
