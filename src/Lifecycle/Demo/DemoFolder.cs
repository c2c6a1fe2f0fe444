using Lifecycle.Interchange;

namespace Lifecycle.Demo;

/// <summary>Writes a generated dataset as a dataset folder, streaming the events, through the exporter's writer.</summary>
public static class DemoFolder
{
    public static DemoDataset Write(string folder, DemoOptions options, IProgress<int>? progress = null)
    {
        var writer = new DatasetWriter(folder);
        DemoDataset data;
        using (var events = new FileStream(Path.Combine(writer.Folder, DatasetFiles.Events), FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
        {
            data = DemoGenerator.Generate(options, line =>
            {
                events.Write(line);
                events.WriteByte((byte)'\n');
            }, progress);
        }
        var files = InFileOrder(data);
        writer.WriteAccounts(files.Accounts);
        writer.WriteCampaigns(files.Campaigns);
        writer.WriteContacts(files.Contacts);
        writer.WriteCosts(files.Costs);
        writer.WriteTransitions(files.Transitions);
        writer.WriteDeals(files.Deals);
        writer.WriteSubscriptions(files.Subscriptions);
        writer.WriteNps(files.Nps);
        return data;
    }

    /// <summary>
    /// The dataset's rows in the order of its files: the exporter's order, so an imported demo exports to the same
    /// bytes. It is also the order the import writes them in, which numbers transitions, cost lines and NPS answers.
    /// </summary>
    public static DemoDataset InFileOrder(DemoDataset data)
    {
        var files = new DemoDataset { Events = data.Events };
        files.Accounts.AddRange(data.Accounts);
        files.Campaigns.AddRange(data.Campaigns.OrderBy(c => c.Id, StringComparer.Ordinal));
        files.Contacts.AddRange(data.Contacts);
        files.Costs.AddRange(data.Costs.OrderBy(c => c.Month).ThenBy(c => c.CampaignId ?? "", StringComparer.Ordinal)
            .ThenBy(c => c.Channel, StringComparer.Ordinal).ThenBy(c => Storage.SnakeCase.Of(c.Category.ToString()), StringComparer.Ordinal));
        files.Transitions.AddRange(data.Transitions.OrderBy(t => t.ContactId, StringComparer.Ordinal).ThenBy(t => t.At));
        files.Deals.AddRange(data.Deals.OrderBy(d => d.Id, StringComparer.Ordinal));
        files.Subscriptions.AddRange(data.Subscriptions.OrderBy(s => s.Id, StringComparer.Ordinal));
        files.Nps.AddRange(data.Nps.OrderBy(n => n.ContactId, StringComparer.Ordinal).ThenBy(n => n.RespondedAt));
        return files;
    }
}
