using System.Diagnostics;
using Lifecycle.Access;
using Lifecycle.Tests.Support;
using Microsoft.EntityFrameworkCore;

namespace Lifecycle.Tests.Tracking;

/// <summary>
/// The real npm clients (@segment/analytics-node, @rudderstack/rudder-sdk-node; tests/conformance, installed by
/// test.sh) pointed at the server by their host option: every call type arrives, on both engines.
/// </summary>
public class ConformanceTests
{
    private static string ConformanceFolder()
    {
        var folder = AppContext.BaseDirectory;
        while (!Directory.Exists(Path.Combine(folder, "tests", "conformance"))) folder = Path.GetDirectoryName(folder)!;
        var conformance = Path.Combine(folder, "tests", "conformance");
        if (!Directory.Exists(Path.Combine(conformance, "node_modules")))
            throw new InvalidOperationException("tests/conformance/node_modules is missing. Run the tests with ./test.sh, which runs npm ci there.");
        return conformance;
    }

    [Theory, ClassData(typeof(Engines))]
    public async Task Segment_and_RudderStack_node_clients_are_accepted_unchanged(string engine)
    {
        await using var server = await RunningServer.StartAsync(engine);
        string key;
        await using (var db = server.Database.Database.Open())
            key = await ApiKeys.CreateAsync(db, ApiKeyKind.Write, "sdk", TimeProvider.System);

        var start = new ProcessStartInfo("node") { WorkingDirectory = ConformanceFolder(), RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "send.mjs", server.Address.ToString().TrimEnd('/'), key }) start.ArgumentList.Add(arg);
        using var node = Process.Start(start)!;
        var stderr = node.StandardError.ReadToEndAsync();
        var stdout = await node.StandardOutput.ReadToEndAsync();
        await node.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromMinutes(1)).Token);
        Assert.True(node.ExitCode == 0, $"node failed: {stdout} {await stderr}");

        await using var check = server.Database.Database.Open();
        foreach (var client in new[] { "segment", "rudder" })
        {
            var types = await check.Events.Where(e => e.UserId == $"{client}-user" || e.AnonymousId == $"{client}-anon")
                .Select(e => e.Type).ToListAsync();
            Assert.Equal(["alias", "group", "identify", "page", "screen", "track"], types.Distinct().Order());
            var contact = await check.Contacts.SingleAsync(c => c.Email == $"{client}@example.com");
            Assert.Equal(contact.Id, (await check.Events.SingleAsync(e => e.UserId == $"{client}-user" && e.Type == "track")).ContactId);
            Assert.Equal("paid_search", contact.LeadSource);
            Assert.Equal("마케팅 매니저", contact.Title);
        }
    }
}
