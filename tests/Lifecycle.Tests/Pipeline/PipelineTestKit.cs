using System.Net;
using System.Text.Json;
using Lifecycle.Access;
using Lifecycle.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Lifecycle.Tests.Pipeline;

/// <summary>Shared steps of the pipeline API tests: a server on a fake clock, users, JSON answers, waiting for the worker.</summary>
internal static class PipelineTestKit
{
    public static Task<RunningServer> StartAsync(string engine, FakeTimeProvider clock, bool allowPrivateTargets) =>
        RunningServer.StartAsync(engine, builder =>
        {
            builder.Services.AddSingleton<TimeProvider>(clock);
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Lifecycle:Webhooks:AllowPrivateTargets"] = allowPrivateTargets ? "true" : "false",
                ["Lifecycle:Webhooks:RetryBaseSeconds"] = "60",
                ["Lifecycle:Pipeline:PollMilliseconds"] = "50",
            });
        });

    public static async Task<long> UserAsync(RunningServer server, string email, UserRole role)
    {
        await using var db = server.Database.Database.Open();
        var (user, refusal) = await Users.CreateAsync(db, email, email.Split('@')[0], role, "a long enough password", TimeProvider.System);
        Assert.Null(refusal);
        return user!.Id;
    }

    public static async Task<JsonElement> Expect(HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
        return body.Length == 0 ? default : JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>Waits (up to 20 s) for the background worker to make the condition true.</summary>
    public static async Task Until(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"timed out waiting for {what}");
            await Task.Delay(50);
        }
    }

    public static string? Text(this JsonElement element, string name) =>
        element.GetProperty(name).ValueKind == JsonValueKind.Null ? null : element.GetProperty(name).ToString();
}
