using Lifecycle.Access;
using Lifecycle.Tests.Support;
using Microsoft.EntityFrameworkCore;

namespace Lifecycle.Tests.Access;

public class KeysCommandTests
{
    [Theory, ClassData(typeof(Engines))]
    public async Task Keys_create_prints_the_key_alone_and_stores_only_its_hash(string engine)
    {
        await using var test = await TestDatabase.CreateAsync(engine);
        var result = await CliProcess.RunAsync("keys", "create", "--kind", "write", "--name", "website", "--db", test.Database.ConnectionString);

        Assert.Equal(0, result.ExitCode);
        var key = result.Stdout.TrimEnd('\n');
        Assert.Matches("^lc_wk_[0-9a-f]{48}$", key);
        await using var db = test.Database.Open();
        var stored = await db.ApiKeys.SingleAsync();
        Assert.Equal(ApiKeyKind.Write, stored.Kind);
        Assert.Equal("website", stored.Name);
        Assert.Equal(ApiKeys.Hash(key), stored.Hash);
        Assert.DoesNotContain(key, stored.Hash);
        Assert.NotNull(await ApiKeys.FindAsync(db, key, ApiKeyKind.Write));
        Assert.Null(await ApiKeys.FindAsync(db, key, ApiKeyKind.Secret));
    }

    [Fact]
    public async Task An_unknown_key_kind_is_bad_input_with_exit_code_1()
    {
        var result = await CliProcess.RunAsync("keys", "create", "--kind", "admin", "--name", "x", "--db", Path.GetTempFileName());
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("admin", result.Stderr);
    }
}
