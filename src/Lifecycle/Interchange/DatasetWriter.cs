using System.Text;
using CsvHelper;
using CsvHelper.Configuration;
using Lifecycle.Campaigns;
using Lifecycle.Contacts;
using Lifecycle.Pipeline;
using Lifecycle.Storage;
using static Lifecycle.Interchange.InterchangeText;

namespace Lifecycle.Interchange;

/// <summary>
/// Writes a dataset folder: the exporter and the demo generator both write through here, so one dataset has
/// one byte form. Custom fields become extra columns after the standard ones, sorted by name. UTF-8 without BOM,
/// '\n' line ends, quotes only where needed.
/// </summary>
public sealed class DatasetWriter(string folder)
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    public string Folder { get; } = Directory.CreateDirectory(folder).FullName;

    public void WriteAccounts(IReadOnlyCollection<Account> accounts) =>
        Write(DatasetFiles.Accounts, DatasetFiles.AccountColumns, accounts, a => a.Custom, a =>
            [a.Id, a.Name, a.Domain, a.Industry, Int(a.Employees), a.Country, a.Owner]);

    public void WriteContacts(IReadOnlyCollection<Contact> contacts) =>
        Write(DatasetFiles.Contacts, DatasetFiles.ContactColumns, contacts, c => c.Custom, c =>
            [c.Id, c.Email, c.FirstName, c.LastName, c.Title, c.AccountId, c.Country, c.LeadSource, c.CampaignId,
             Instant(c.CreatedAt), Date(c.Birthday), Bool(c.Consent)]);

    public void WriteCampaigns(IReadOnlyCollection<Campaign> campaigns) =>
        Write(DatasetFiles.Campaigns, DatasetFiles.CampaignColumns, campaigns, c => c.Custom, c =>
            [c.Id, c.Name, c.Channel, SnakeCase.Of(c.Audience.ToString()), Date(c.StartsOn), Date(c.EndsOn)]);

    public void WriteCosts(IReadOnlyCollection<CostLine> costs) =>
        Write(DatasetFiles.Costs, DatasetFiles.CostColumns, costs, null, c =>
            [Month(c.Month), c.CampaignId, c.Channel, SnakeCase.Of(c.Category.ToString()), Amount(c.Amount)]);

    public void WriteTransitions(IReadOnlyCollection<Transition> transitions) =>
        Write(DatasetFiles.Transitions, DatasetFiles.TransitionColumns, transitions, null, t =>
            [t.ContactId, t.ToStatus.ToName(), Instant(t.At), t.Reason, t.Actor, t.CampaignId]);

    public void WriteDeals(IReadOnlyCollection<Deal> deals) =>
        Write(DatasetFiles.Deals, DatasetFiles.DealColumns, deals, d => d.Custom, d =>
            [d.Id, d.AccountId, d.ContactId, SnakeCase.Of(d.Type.ToString()), Amount(d.Amount), Instant(d.CreatedAt),
             Instant(d.ClosedAt), SnakeCase.Of(d.Outcome.ToString()), d.CampaignId]);

    public void WriteSubscriptions(IReadOnlyCollection<Subscription> subscriptions) =>
        Write(DatasetFiles.Subscriptions, DatasetFiles.SubscriptionColumns, subscriptions, null, s =>
            [s.Id, s.AccountId, Amount(s.Mrr), Date(s.StartsOn), Date(s.EndsOn)]);

    public void WriteNps(IReadOnlyCollection<NpsResponse> responses) =>
        Write(DatasetFiles.Nps, DatasetFiles.NpsColumns, responses, null, n =>
            [n.ContactId, Int(n.Score), n.Comment, Instant(n.RespondedAt)]);

    /// <summary>Events as JSON lines, one Segment message each, written as given (streamed: there can be millions).</summary>
    public async Task WriteEventsAsync(IAsyncEnumerable<string> payloads, CancellationToken cancel = default)
    {
        await using var writer = new StreamWriter(Path.Combine(Folder, DatasetFiles.Events), false, Utf8, 1 << 16) { NewLine = "\n" };
        await foreach (var payload in payloads.WithCancellation(cancel))
            await writer.WriteLineAsync(payload);
    }

    /// <summary>Synchronous variant for generators that produce events in memory order.</summary>
    public TextWriter OpenEvents() =>
        new StreamWriter(Path.Combine(Folder, DatasetFiles.Events), false, Utf8, 1 << 16) { NewLine = "\n" };

    private void Write<T>(string file, string[] columns, IReadOnlyCollection<T> rows,
        Func<T, Dictionary<string, string>>? custom, Func<T, string?[]> fields)
    {
        var customColumns = custom is null
            ? []
            : rows.SelectMany(r => custom(r).Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        using var stream = new StreamWriter(Path.Combine(Folder, file), false, Utf8, 1 << 16);
        using var csv = new CsvWriter(stream, new CsvConfiguration(Culture) { NewLine = "\n" });
        foreach (var column in columns.Concat(customColumns)) csv.WriteField(column);
        csv.NextRecord();
        foreach (var row in rows)
        {
            foreach (var field in fields(row)) csv.WriteField(field ?? "");
            if (custom is not null)
            {
                var values = custom(row);
                foreach (var column in customColumns) csv.WriteField(values.GetValueOrDefault(column, ""));
            }
            csv.NextRecord();
        }
    }
}
