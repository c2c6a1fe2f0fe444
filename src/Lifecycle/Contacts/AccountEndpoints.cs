using Lifecycle.Server;
using Lifecycle.Storage;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Lifecycle.Contacts;

public sealed record AccountInput(string? Id, string? Name, string? Domain, string? Industry, int? Employees, string? Country, string? Owner, Dictionary<string, string>? Custom, long? OwnerId = null);

public static class AccountEndpoints
{
    public static void MapAccountEndpoints(this RouteGroupBuilder api)
    {
        var accounts = api.MapGroup("/accounts").WithTags("Accounts");
        accounts.MapGet("/", List).WithSummary("List accounts (filters: status, country, q = name or domain)");
        accounts.MapGet("/{id}", Get).WithSummary("One account; its status follows its deals and subscriptions");
        accounts.MapPost("/", Create).WithSummary("Create an account");
        accounts.MapPut("/{id}", Update).WithSummary("Replace an account's fields");
        accounts.MapDelete("/{id}", Delete).WithSummary("Delete an account that nothing refers to");
    }

    private static async Task<Ok<Page<Account>>> List(LifecycleDb db, [AsParameters] Paging paging, string? status, string? country, string? q)
    {
        var query = db.Accounts.AsNoTracking();
        if (SnakeCase.TryParseEnum<AccountStatus>(status, out var s)) query = query.Where(a => a.Status == s);
        if (country is not null) query = query.Where(a => a.Country == country);
        if (!string.IsNullOrWhiteSpace(q)) query = query.Where(a => a.Name.ToLower().Contains(q.Trim().ToLower()) || a.Domain!.Contains(q.Trim().ToLower()));
        var total = await query.CountAsync();
        return TypedResults.Ok(new Page<Account>(await query.OrderBy(a => a.Id).Skip(paging.Skip).Take(paging.Take).ToListAsync(), paging.Take, paging.Skip, total));
    }

    private static async Task<IResult> Get(LifecycleDb db, string id) =>
        await db.Accounts.AsNoTracking().FirstOrDefaultAsync(a => a.Id == id) is { } account ? TypedResults.Ok(account) : Validation.NotFound("account", id);

    private static async Task<IResult> Create(LifecycleDb db, AccountInput input)
    {
        var check = new Validation();
        var account = new Account { Id = input.Id?.Trim() is { Length: > 0 } id ? id : "acc_" + Guid.NewGuid().ToString("N")[..16], Name = "" };
        Apply(check, account, input);
        await Pipeline.Owners.CheckAsync(db, check, input.OwnerId);
        if (!check.Ok) return check.Problem();
        if (await db.Accounts.AnyAsync(a => a.Id == account.Id)) return Validation.Conflict($"an account '{account.Id}' already exists");
        db.Accounts.Add(account);
        await db.SaveChangesAsync();
        return TypedResults.Created($"/api/accounts/{account.Id}", account);
    }

    private static async Task<IResult> Update(LifecycleDb db, string id, AccountInput input)
    {
        var account = await db.Accounts.FirstOrDefaultAsync(a => a.Id == id);
        if (account is null) return Validation.NotFound("account", id);
        var check = new Validation();
        Apply(check, account, input);
        await Pipeline.Owners.CheckAsync(db, check, input.OwnerId);
        if (!check.Ok) return check.Problem();
        await db.SaveChangesAsync();
        return TypedResults.Ok(account);
    }

    private static void Apply(Validation check, Account account, AccountInput input)
    {
        account.Name = check.Required("name", input.Name) ?? "";
        account.Domain = input.Domain?.Trim().ToLowerInvariant();
        account.Industry = input.Industry?.Trim();
        if (input.Employees < 0) check.Add("employees", "must not be negative");
        account.Employees = input.Employees;
        account.Country = input.Country?.Trim();
        account.Owner = input.Owner?.Trim();
        account.OwnerId = input.OwnerId;
        account.Custom = input.Custom ?? [];
    }

    private static async Task<IResult> Delete(LifecycleDb db, string id)
    {
        var account = await db.Accounts.FirstOrDefaultAsync(a => a.Id == id);
        if (account is null) return Validation.NotFound("account", id);
        if (await db.Contacts.AnyAsync(c => c.AccountId == id) || await db.Deals.AnyAsync(d => d.AccountId == id) || await db.Subscriptions.AnyAsync(s => s.AccountId == id))
            return Validation.Conflict($"account '{id}' still has contacts, deals or subscriptions");
        db.Accounts.Remove(account);
        await db.SaveChangesAsync();
        return TypedResults.NoContent();
    }
}
