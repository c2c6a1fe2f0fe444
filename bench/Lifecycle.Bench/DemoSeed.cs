using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Dapper;
using Lifecycle.Capture;
using Lifecycle.Demo;
using Lifecycle.Reports;
using Lifecycle.Storage;
using Lifecycle.Tracking;
using Microsoft.EntityFrameworkCore;

namespace Lifecycle.Bench;

/// <summary>
/// `seed`: the demo dataset written straight into a fresh database, the same rows that `lifecycle demo` followed by
/// `lifecycle import` store (bench/seed-check.sh compares the two), by bulk writes in one transaction instead of
/// a folder and per-row upserts. The generator runs twice: once for everything but the events, which are written
/// first, as the import writes them; then again, streaming its events through the import's own line reader
/// (contacts resolved against the stored contacts, as the import does) into bulk writes, while the generator
/// already makes the next batch. Then the traffic projection is caught up once.
/// </summary>
internal static class DemoSeed
{
    private const int EventBatch = 5_000;

    /// <summary>Tables big enough at a million contacts to load without secondary indexes and triggers.</summary>
    private static readonly string[] Deferred = ["contacts", "transitions", "events"];

    private static readonly string[] Written =
        ["accounts", "campaigns", "contacts", "consents", "cost_lines", "transitions", "deals", "subscriptions", "nps_responses", "events"];

    public static async Task<int> RunAsync(string[] arguments) => arguments switch
    {
        ["compare", var imported, var seeded] => await SeedComparison.RunAsync(imported, seeded),
        [var db, var contacts, var months, var seed] => await SeedAsync(db, Options(contacts, months, seed, null)),
        [var db, var contacts, var months, var seed, var until] => await SeedAsync(db, Options(contacts, months, seed, until)),
        _ => Usage(),
    };

    private static int Usage()
    {
        Console.Error.WriteLine("""
            usage: Lifecycle.Bench seed <db connection string> <contacts> <months> <seed> [<until YYYY-MM>]
                   Lifecycle.Bench seed compare <imported db> <seeded db>
            """);
        return 1;
    }

    /// <summary>The options `lifecycle demo --contacts --months --seed [--until]` generates with.</summary>
    private static DemoOptions Options(string contacts, string months, string seed, string? until)
    {
        var last = until is null
            ? new DateOnly(DateTime.UtcNow.Year, DateTime.UtcNow.Month, 1)
            : DateOnly.ParseExact(until + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture);
        return new DemoOptions(int.Parse(contacts, CultureInfo.InvariantCulture), int.Parse(months, CultureInfo.InvariantCulture),
            int.Parse(seed, CultureInfo.InvariantCulture), last);
    }

    private static async Task<int> SeedAsync(string connection, DemoOptions options)
    {
        var database = Database.Parse(connection);
        var phases = new Phases();
        Console.WriteLine($"seed: {options.Contacts:N0} contacts, {options.Months} months up to {options.Until:yyyy-MM}, seed {options.Seed} into {database.Describe()}");
        await phases.TimeAsync("migrate", 0, () => database.MigrateAsync());
        if (await FirstNonEmptyAsync(database) is { } table)
        {
            Console.Error.WriteLine($"seed: {table} already has rows; seed writes into a fresh database only");
            return 1;
        }

        await using (var store = await SeedStore.OpenAsync(database))
        {
            await store.DeferIndexesAndTriggersAsync(Deferred);
            var expected = await WriteAllButEventsAsync(store, options, phases);
            GC.Collect(); // the first generation's dataset is garbage now: not in memory beside the second's

            phases.Start();
            phases.End("events (generate, read, write)", await WriteEventsAsync(store, options, expected));
            await phases.TimeAsync("indexes and triggers", 0, store.RestoreAsync);
            await phases.TimeAsync("commit", 0, store.CommitAsync);
            if (store is PostgresSeedStore postgres) await phases.TimeAsync("analyze", 0, () => postgres.AnalyzeAsync(Written));
        }

        await using (var db = database.Open())
        {
            phases.Start();
            phases.End("traffic projection (page views)", await TrafficProjection.CatchUpAsync(db));
            phases.Start();
            phases.End("e-mail projection (e-mail events)", await EmailProjection.CatchUpAsync(db));
        }
        phases.Print(options, database);
        return 0;
    }

    /// <summary>
    /// The first generation: every table but the events, in the import's order, and the consents by the import's own
    /// statement right after the contacts. Returns what the second generation must make again.
    /// </summary>
    private static async Task<(int Contacts, int Transitions, long Events)> WriteAllButEventsAsync(SeedStore store, DemoOptions options, Phases phases)
    {
        phases.Start();
        var files = DemoFolder.InFileOrder(DemoGenerator.Generate(options, _ => { }));
        phases.End("generate (contacts; all but events)", files.Contacts.Count);
        foreach (var table in DemoTables.InImportOrder(files, DateTime.UtcNow))
        {
            await phases.TimeAsync(table.Name, table.Count, () => store.WriteAsync(table));
            if (table.Name != "contacts") continue;
            phases.Start();
            await Consents.RecordImportedAsync(store.Connection, store.Transaction, DateTime.UtcNow);
            phases.End("consents", await CountAsync(store, "consents"));
        }
        return (files.Contacts.Count, files.Transitions.Count, files.Events);
    }

    /// <summary>
    /// Generates the dataset again and streams its events: each line read by the import's reader against the stored
    /// contacts, written in batches in the seed's transaction (a messageId the demo repeated would fail the seed,
    /// where the import would skip it: the demo never does). The generator and the reader run on their own thread,
    /// two batches ahead at most, so only a few batches are ever in memory.
    /// </summary>
    private static async Task<long> WriteEventsAsync(SeedStore store, DemoOptions options, (int Contacts, int Transitions, long Events) expected)
    {
        var (contactIds, byEmail) = await StoredContactsAsync(store);
        var receivedAt = DateTime.UtcNow;

        var batches = Channel.CreateBounded<List<EventRow>>(new BoundedChannelOptions(2) { SingleReader = true, SingleWriter = true });
        using var stop = new CancellationTokenSource();
        var producer = Task.Factory.StartNew(() =>
        {
            try
            {
                var batch = new List<EventRow>(EventBatch);
                var line = 0;
                var generated = DemoGenerator.Generate(options, json =>
                {
                    batch.Add(DemoEventRows.Read(Encoding.UTF8.GetString(json), ++line, receivedAt, contactIds, byEmail));
                    if (batch.Count < EventBatch) return;
                    batches.Writer.WriteAsync(batch, stop.Token).AsTask().GetAwaiter().GetResult();
                    batch = new List<EventRow>(EventBatch);
                });
                if (batch.Count > 0) batches.Writer.WriteAsync(batch, stop.Token).AsTask().GetAwaiter().GetResult();
                if ((generated.Contacts.Count, generated.Transitions.Count, generated.Events) != expected)
                    throw new InvalidOperationException("the second generation differs from the first");
            }
            finally { batches.Writer.Complete(); }
        }, TaskCreationOptions.LongRunning);

        long events = 0;
        try
        {
            await foreach (var batch in batches.Reader.ReadAllAsync())
            {
                await store.WriteAsync(DemoTables.Events(batch));
                events += batch.Count;
                if (!Console.IsErrorRedirected && events % 1_000_000 < EventBatch) Console.Error.Write($"\r{events:N0} events");
            }
        }
        finally { stop.Cancel(); } // a failed write must not leave the generator waiting for room
        if (!Console.IsErrorRedirected) Console.Error.WriteLine();
        await producer;
        return events;
    }

    /// <summary>What the import loads before it reads events.jsonl, from the same rows.</summary>
    private static async Task<(HashSet<string> Ids, Dictionary<string, string> ByEmail)> StoredContactsAsync(SeedStore store)
    {
        var contacts = (await store.Connection.QueryAsync<(string Id, string? Email)>("SELECT id, email FROM contacts", transaction: store.Transaction)).ToList();
        return (contacts.Select(c => c.Id).ToHashSet(StringComparer.Ordinal),
            contacts.Where(c => c.Email != null).GroupBy(c => c.Email!).ToDictionary(g => g.Key, g => g.First().Id, StringComparer.Ordinal));
    }

    private static async Task<string?> FirstNonEmptyAsync(Database database)
    {
        await using var db = database.Open();
        var connection = db.Database.GetDbConnection();
        foreach (var table in Written.Append("report_cache"))
            if (await connection.ExecuteScalarAsync<bool>($"SELECT EXISTS (SELECT 1 FROM {table})")) return table;
        return null;
    }

    private static Task<long> CountAsync(SeedStore store, string table) =>
        store.Connection.ExecuteScalarAsync<long>($"SELECT count(*) FROM {table}", transaction: store.Transaction);

    /// <summary>
    /// Each phase's time, rows per second and this process's CPU time (on a shared machine, what the phase itself
    /// cost), printed as it ends; the total and all of it as one JSON line at the end.
    /// </summary>
    private sealed class Phases
    {
        private readonly List<(string Name, long Rows, TimeSpan Took, TimeSpan Cpu)> _phases = [];
        private readonly Process _process = Process.GetCurrentProcess();
        private readonly Stopwatch _clock = new();
        private TimeSpan _cpuAtStart;

        public void Start()
        {
            _process.Refresh();
            _cpuAtStart = _process.TotalProcessorTime;
            _clock.Restart();
        }

        public void End(string name, long rows)
        {
            var took = _clock.Elapsed;
            _process.Refresh();
            var cpu = _process.TotalProcessorTime - _cpuAtStart;
            _phases.Add((name, rows, took, cpu));
            var rate = rows > 0 ? $"{rows,12:N0} rows {rows / Math.Max(took.TotalSeconds, 1e-3),10:N0} rows/s" : "";
            Console.WriteLine($"{name,-34} {took.TotalSeconds,8:0.0} s {cpu.TotalSeconds,8:0.0} s cpu {_process.PeakWorkingSet64 >> 20,6:N0} MiB peak {rate}");
        }

        public async Task TimeAsync(string name, long rows, Func<Task> work)
        {
            Start();
            await work();
            End(name, rows);
        }

        public void Print(DemoOptions options, Database database)
        {
            var total = _phases.Sum(p => p.Took.TotalSeconds);
            var peak = _process.PeakWorkingSet64 / (1024 * 1024);
            Console.WriteLine($"{"total",-34} {total,8:0.0} s {_phases.Sum(p => p.Cpu.TotalSeconds),8:0.0} s cpu    peak RSS {peak:N0} MiB");
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                engine = database.Engine.ToString(), contacts = options.Contacts, months = options.Months, seed = options.Seed,
                phases = _phases.Select(p => new { name = p.Name, rows = p.Rows, seconds = Math.Round(p.Took.TotalSeconds, 2), cpu_seconds = Math.Round(p.Cpu.TotalSeconds, 2) }),
                total_seconds = Math.Round(total, 2), peak_rss_mib = peak,
            }));
        }
    }
}
