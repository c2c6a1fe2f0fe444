using System.Net;
using System.Text.Json;
using Lifecycle.Tests.Support;

namespace Lifecycle.Tests.Server;

public class HostTests
{
    [Theory, ClassData(typeof(Engines))]
    public async Task Health_endpoints_answer_and_readiness_checks_the_database(string engine)
    {
        await using var server = await RunningServer.StartAsync(engine);
        var anonymous = server.AnonymousClient();
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/health/live")).StatusCode);
        var ready = await anonymous.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("Healthy", await ready.Content.ReadAsStringAsync());
    }

    [Theory, ClassData(typeof(Engines))]
    public async Task Api_without_a_key_or_with_a_wrong_key_is_401_problem_details(string engine)
    {
        await using var server = await RunningServer.StartAsync(engine);
        var anonymous = server.AnonymousClient();
        var missing = await anonymous.GetAsync("/api/contacts");
        Assert.Equal(HttpStatusCode.Unauthorized, missing.StatusCode);
        Assert.Equal("application/problem+json", missing.Content.Headers.ContentType?.MediaType);

        anonymous.DefaultRequestHeaders.Add("X-Api-Key", "lc_sk_not-a-real-key");
        var wrong = await anonymous.GetAsync("/api/contacts");
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        using var problem = JsonDocument.Parse(await wrong.Content.ReadAsStringAsync());
        Assert.Equal(401, problem.RootElement.GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task OpenApi_document_and_reference_page_are_served()
    {
        await using var server = await RunningServer.StartAsync("sqlite");
        var anonymous = server.AnonymousClient();
        using var document = JsonDocument.Parse(await anonymous.GetStringAsync("/openapi/v1.json"));
        Assert.Equal("Lifecycle API", document.RootElement.GetProperty("info").GetProperty("title").GetString());
        var page = await anonymous.GetStringAsync("/reference");
        Assert.Contains("Lifecycle API", page);
    }
}
