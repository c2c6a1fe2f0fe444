using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Lifecycle.Bench;

/// <summary>
/// Open-loop load on /v1/batch: sends batches of 100 events at a fixed rate of requests, whatever the answers
/// take (so latency is measured without coordinated omission), records each request's latency, and appends the
/// messageIds of every batch answered 200 to a file (the durability check counts them after a kill -9).
/// </summary>
internal static class TrackingLoad
{
    public const int EventsPerBatch = 100;

    public static async Task<int> RunAsync(string baseUrl, string writeKey, double requestsPerSecond, double seconds, string? ackedFile)
    {
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256 }) { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(writeKey + ":")));
        await using var acked = ackedFile is null ? null : new StreamWriter(ackedFile, append: true) { AutoFlush = false };
        var ackLock = new object();
        var latencies = new List<double>();
        var failures = 0;
        var runId = Guid.NewGuid().ToString("N")[..8];
        var interval = TimeSpan.FromSeconds(1 / requestsPerSecond);
        var clock = Stopwatch.StartNew();
        var inFlight = new List<Task>();
        for (var i = 0; clock.Elapsed.TotalSeconds < seconds; i++)
        {
            var due = interval * i;
            if (due > clock.Elapsed) await Task.Delay(due - clock.Elapsed);
            var batchNumber = i;
            inFlight.Add(Task.Run(async () =>
            {
                var ids = Enumerable.Range(0, EventsPerBatch).Select(n => $"{runId}-{batchNumber}-{n}").ToArray();
                var body = JsonSerializer.Serialize(new
                {
                    batch = ids.Select((id, n) => new
                    {
                        type = "track", @event = "Page Scrolled", userId = $"u{(batchNumber * EventsPerBatch + n) % 5000}", messageId = id,
                        properties = new { depth = n, path = "/pricing" },
                    }),
                });
                var started = clock.Elapsed;
                try
                {
                    using var response = await http.PostAsync("/v1/batch", new StringContent(body, Encoding.UTF8, "application/json"));
                    var took = (clock.Elapsed - started).TotalMilliseconds;
                    lock (ackLock)
                    {
                        latencies.Add(took);
                        if (response.IsSuccessStatusCode) foreach (var id in ids) acked?.WriteLine(id);
                        else failures++;
                    }
                }
                catch (Exception)
                {
                    lock (ackLock) failures++;
                }
            }));
        }
        await Task.WhenAll(inFlight);
        if (acked is not null) await acked.FlushAsync();
        latencies.Sort();
        double Percentile(double p) => latencies.Count == 0 ? double.NaN : latencies[(int)Math.Min(latencies.Count - 1, Math.Ceiling(p * latencies.Count) - 1)];
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            requests = latencies.Count,
            failures,
            events_per_second = (latencies.Count - failures) * EventsPerBatch / clock.Elapsed.TotalSeconds,
            p50_ms = Percentile(0.50),
            p99_ms = Percentile(0.99),
        }));
        return 0;
    }

    /// <summary>The events the load sends, as JSON lines, for the plain-path baseline.</summary>
    public static int WriteSample(string file, int count)
    {
        using var writer = new StreamWriter(file) { NewLine = "\n" };
        for (var i = 0; i < count; i++)
            writer.WriteLine($$$"""{"type":"track","event":"Page Scrolled","userId":"u{{{i % 5000}}}","messageId":"sample-{{{i}}}","timestamp":"2026-11-01T10:00:00.000Z","properties":{"depth":{{{i % 100}}},"path":"/pricing"}}""");
        return 0;
    }
}
