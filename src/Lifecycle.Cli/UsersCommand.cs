using System.CommandLine;
using Lifecycle.Access;
using Lifecycle.Storage;

namespace Lifecycle.Cli;

internal static class UsersCommand
{
    public static Command Create()
    {
        var email = new Option<string>("--email") { Description = "the user's e-mail (their sign-in name)", Required = true };
        var name = new Option<string>("--name") { Description = "the name shown in the dashboard", Required = true };
        var role = new Option<string>("--role") { Description = "admin, marketing, sales or viewer", Required = true };
        role.AcceptOnlyFromAmong("admin", "marketing", "sales", "viewer");
        var password = new Option<string?>("--password") { Description = $"at least {Users.MinimumPasswordLength} characters; without it a random one is made and printed" };
        var create = new Command("create", "Create a dashboard user; prints the password when it was generated.") { email, name, role, password };
        create.SetAction(async (parse, cancel) =>
        {
            var database = CliOptions.Database(parse);
            await database.MigrateAsync(cancel);
            await using var db = database.Open();
            SnakeCase.TryParseEnum<UserRole>(parse.GetValue(role), out var userRole);
            var given = parse.GetValue(password);
            var secret = given ?? Users.NewPassword();
            var (user, refusal) = await Users.CreateAsync(db, parse.GetValue(email)!, parse.GetValue(name)!, userRole, secret, TimeProvider.System, cancel);
            if (user is null) throw new BadInputException($"users create: {refusal}");
            if (given is null) Console.WriteLine(secret);
            return CliExit.Success;
        });
        return new Command("users", "Manage dashboard users.") { create };
    }
}
