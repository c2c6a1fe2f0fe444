using System.CommandLine;
using Lifecycle.Access;
using Lifecycle.Storage;

namespace Lifecycle.Cli;

internal static class KeysCommand
{
    public static Command Create()
    {
        var kind = new Option<string>("--kind") { Description = "write (tracking API) or secret (REST API)", Required = true };
        kind.AcceptOnlyFromAmong("write", "secret");
        var name = new Option<string>("--name") { Description = "what the key is for", Required = true };
        var create = new Command("create", "Create an API key and print it alone on stdout (it is stored hashed and cannot be shown again).")
        {
            kind, name,
        };
        create.SetAction(async (parse, cancel) =>
        {
            var database = CliOptions.Database(parse);
            await database.MigrateAsync(cancel);
            await using var db = database.Open();
            SnakeCase.TryParseEnum<ApiKeyKind>(parse.GetValue(kind), out var keyKind);
            Console.WriteLine(await ApiKeys.CreateAsync(db, keyKind, parse.GetValue(name)!, TimeProvider.System, cancel));
            return CliExit.Success;
        });
        return new Command("keys", "Manage API keys.") { create };
    }
}
