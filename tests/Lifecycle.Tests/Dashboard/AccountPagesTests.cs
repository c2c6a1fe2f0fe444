using Lifecycle.Access;
using Lifecycle.Contacts;
using Lifecycle.Pipeline;
using Lifecycle.Scoring;
using Lifecycle.Tests.Support;
using Microsoft.Playwright;

namespace Lifecycle.Tests.Dashboard;

/// <summary>Accounts in a real Chromium: search, an account's contacts, deals, subscriptions and NPS, and a contact's score by rule.</summary>
public class AccountPagesTests
{
    private const string Password = "accounts password 1";

    [Fact]
    public async Task An_account_is_found_by_domain_and_shows_its_people_deals_mrr_and_answers_and_a_contact_shows_its_score_rule_by_rule()
    {
        await using var server = await RunningServer.StartAsync("sqlite");
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        await using (var db = server.Database.Database.Open())
        {
            Assert.NotNull((await Users.CreateAsync(db, "viewer@example.es", "Lucía", UserRole.Viewer, Password, TimeProvider.System)).User);
            db.Accounts.AddRange(
                new Account { Id = "acc-1", Name = "Acme <script>alert(1)</script>", Domain = "acme.example", Industry = "software", Employees = 250, Country = "ES", Status = AccountStatus.Customer },
                new Account { Id = "acc-2", Name = "Bravo", Domain = "bravo.example", Status = AccountStatus.Prospect });
            db.Contacts.AddRange(
                new Contact { Id = "c-1", AccountId = "acc-1", FirstName = "Marta", LastName = "Ruiz", Email = "marta@acme.example", Status = ContactStatus.Customer },
                new Contact { Id = "c-2", AccountId = "acc-1", FirstName = "Jon", LastName = "Sanz", Email = "jon@acme.example", Status = ContactStatus.Lead },
                new Contact { Id = "c-3", AccountId = "acc-2", FirstName = "Eva", Email = "eva@bravo.example", Status = ContactStatus.Lead });
            db.Deals.Add(new Deal { Id = "deal-1", AccountId = "acc-1", ContactId = "c-1", Amount = 12000m, CreatedAt = DateTime.UtcNow.AddDays(-60), ClosedAt = DateTime.UtcNow.AddDays(-30), Outcome = DealOutcome.Won });
            // MRR today: 1,000 (running) + 250 (running, no end) = 1,250; the ended 400 and the future 900 do not count.
            db.Subscriptions.AddRange(
                new Subscription { Id = "sub-1", AccountId = "acc-1", Mrr = 1000m, StartsOn = today.AddMonths(-1), EndsOn = today.AddMonths(11) },
                new Subscription { Id = "sub-2", AccountId = "acc-1", Mrr = 250m, StartsOn = today.AddDays(-3) },
                new Subscription { Id = "sub-3", AccountId = "acc-1", Mrr = 400m, StartsOn = today.AddMonths(-13), EndsOn = today.AddMonths(-1) },
                new Subscription { Id = "sub-4", AccountId = "acc-1", Mrr = 900m, StartsOn = today.AddDays(5) });
            db.NpsResponses.Add(new NpsResponse { ContactId = "c-1", Score = 9, Comment = "Muy útil", RespondedAt = DateTime.UtcNow.AddDays(-2) });
            await db.SaveChangesAsync();
            // Jon's score under the current model: fit 15 (title rule) and one webinar worth 20 a moment ago (decay negligible).
            var (version, _) = await ScoringModels.CurrentAsync(db, TimeProvider.System, default);
            db.Add(new ScoreChange { ContactId = "c-2", At = DateTime.UtcNow.AddDays(-1), ModelVersion = version, RuleId = "fit_title", Kind = ScoreKind.Fit, Points = 15 });
            db.Add(new ScoreChange { ContactId = "c-2", At = DateTime.UtcNow.AddSeconds(-1), ModelVersion = version, RuleId = "webinar", Kind = ScoreKind.Engagement, Points = 20, HalfLifeDays = 30 });
            await db.SaveChangesAsync();
        }
        var (playwright, browser) = await Browser.LaunchAsync();
        using var _ = playwright;
        await using var __ = browser;
        var page = await browser.NewPageAsync(new() { Locale = "en-US" });
        var dialogs = 0;
        page.Dialog += (_, dialog) => { dialogs++; _ = dialog.DismissAsync(); };
        await page.GotoAsync(new Uri(server.Address, "/login").ToString());
        await page.FillAsync("input[type=email]", "viewer@example.es");
        await page.FillAsync("input[type=password]", Password);
        await page.ClickAsync("main button[type=submit]");
        await page.ArrivesAtAsync(server.Address.ToString());

        // Search by domain: one account, its name shown as text.
        await page.GotoAsync(new Uri(server.Address, "/accounts?q=ACME.example").ToString());
        var rows = page.Locator("[data-table=accounts] tbody tr");
        Assert.Equal(1, await rows.CountAsync());
        Assert.Equal("Acme <script>alert(1)</script>", (await rows.Locator("td").First.TextContentAsync())!.Trim());
        Assert.Equal("2", (await rows.Locator("td").Last.TextContentAsync())!.Trim());
        await page.GotoAsync(new Uri(server.Address, "/accounts?status=prospect").ToString());
        Assert.Equal(["Bravo"], (await page.Locator("[data-table=accounts] tbody tr td:first-child").AllTextContentsAsync()).Select(t => t.Trim()));

        await page.GotoAsync(new Uri(server.Address, "/accounts/acc-1").ToString());
        Assert.Equal(2, await page.Locator("[data-table=account-contacts] tbody tr").CountAsync());
        Assert.Equal("$1,250.00", (await page.Locator("[data-value=mrr]").TextContentAsync())!.Trim());
        Assert.Contains("$12,000.00", await page.Locator("[data-table=account-deals]").TextContentAsync());
        Assert.Contains("Muy útil", await page.Locator("[data-table=account-nps]").TextContentAsync());
        foreach (var (name, width, height) in Screenshots.Sizes)
        {
            await page.SetViewportSizeAsync(width, height);
            await Screenshots.TakeAsync(page, $"account-{name}");
        }

        // Jon's page: 15 + 20·2^(−1 s / 30 days) = 35.0, and each rule with what it gave.
        await page.ClickAsync("[data-table=account-contacts] a:text('Jon Sanz')");
        await page.ArrivesAtAsync("**/contacts/c-2");
        Assert.Equal("35.0", (await page.Locator("[data-value=score]").TextContentAsync())!.Trim());
        var rules = await page.Locator("[data-table=score-rules] tbody tr td:first-child").AllTextContentsAsync();
        Assert.Equal(["webinar", "fit_title"], rules.Select(r => r.Trim()));
        Assert.Contains("rule webinar (engagement)", await page.Locator("main").TextContentAsync());
        Assert.Equal(0, dialogs);
    }
}
