using Lifecycle.Contacts;
using Lifecycle.Interchange;
using Lifecycle.Pipeline;
using Lifecycle.Tests.Support;
using Microsoft.EntityFrameworkCore;

namespace Lifecycle.Tests.Interchange;

public class CrmImportTests
{
    private static readonly Dictionary<string, string> HubSpot = new()
    {
        ["hubspot-companies.csv"] = """
            Record ID,Company name,Company Domain Name,Industry,Number of Employees,Country/Region,Company owner,Annual Revenue
            9001,株式会社さくら,sakura.co.jp,COMPUTER_SOFTWARE,250,Japan,Tanaka Aiko,5000000
            9002,Acme S.L.,acme.es,MARKETING_AND_ADVERTISING,40,Spain,Lucía García,

            """,
        ["hubspot-contacts.csv"] = """
            Record ID,First Name,Last Name,Email,Job Title,Country/Region,Lifecycle Stage,Lead Status,Original Source,Create Date,Associated Company ID
            501,花子,佐藤,hanako@sakura.co.jp,マーケティング部長,Japan,marketingqualifiedlead,OPEN,PAID_SEARCH,2026-02-03 10:15,9001
            502,José,Núñez,jose@acme.es,CMO,Spain,customer,,ORGANIC_SEARCH,2026-01-10 08:00,9002
            503,Min,Kim,min@example.kr,,South Korea,,NEW,OFFLINE,2026-03-01 00:00,

            """,
        ["hubspot-deals.csv"] = """
            Record ID,Deal Name,Amount,Close Date,Create Date,Deal Stage,Deal Type,Associated Company IDs,Associated Contact IDs
            7001,Acme annual,24000,2026-02-20 00:00,2026-01-15 00:00,closedwon,newbusiness,9002,502
            7002,Sakura pilot,8000.50,2026-06-30 00:00,2026-02-10 00:00,presentationscheduled,,9001;9002,501;502

            """,
    };

    private static readonly Dictionary<string, string> Salesforce = new()
    {
        ["salesforce-accounts.csv"] = """
            Id,Name,Website,Industry,NumberOfEmployees,BillingCountry,OwnerId,Rating
            001A,Grupo Ejemplo,ejemplo.mx,Retail,1200,Mexico,005X,Hot

            """,
        ["salesforce-leads.csv"] = """
            Id,FirstName,LastName,Email,Title,Country,LeadSource,Status,CreatedDate,AccountId
            00QA,Ximena,Cruz,ximena@ejemplo.mx,Directora de Marketing,Mexico,Trade Show,Working - Contacted,2026-01-05T09:00:00.000+0000,001A
            00QB,Diego,Flores,diego@ejemplo.mx,Analyst,Mexico,Web,Closed - Not Converted,2026-01-06T09:00:00.000+0000,001A

            """,
        ["salesforce-opportunities.csv"] = """
            Id,AccountId,Amount,CloseDate,CreatedDate,StageName,Type,IsWon,IsClosed,CampaignId
            006A,001A,50000,2026-03-31,2026-01-20T12:00:00.000+0000,Closed Won,New Customer,true,true,
            006B,001A,12000,2026-05-15,2026-04-01T12:00:00.000+0000,Negotiation/Review,Existing Customer - Upgrade,false,false,

            """,
    };

    [Theory, ClassData(typeof(Engines))]
    public async Task A_HubSpot_export_imports_through_the_documented_mapping(string engine)
    {
        await using var db = await TestDatabase.CreateAsync(engine);
        await new DatasetImporter(db.Database, TimeProvider.System).ImportFolderAsync(SampleFolder.Write(HubSpot));
        await using var context = db.Database.Open();

        var sakura = await context.Accounts.SingleAsync(a => a.Id == "9001");
        Assert.Equal(("株式会社さくら", 250, "5000000"), (sakura.Name, sakura.Employees, sakura.Custom["Annual Revenue"]));
        var hanako = await context.Contacts.SingleAsync(c => c.Id == "501");
        Assert.Equal(("paid_search", ContactStatus.Mql, "9001", "OPEN"), (hanako.LeadSource, hanako.Status, hanako.AccountId, hanako.Custom["Lead Status"]));
        Assert.Equal(new DateTime(2026, 2, 3, 10, 15, 0, DateTimeKind.Utc), hanako.CreatedAt);
        var stage = await context.Transitions.SingleAsync(t => t.ContactId == "501");
        Assert.Equal(("import:hubspot", hanako.CreatedAt), (stage.Actor, stage.At));
        Assert.Null((await context.Contacts.SingleAsync(c => c.Id == "503")).Status);
        Assert.Equal("events", (await context.Contacts.SingleAsync(c => c.Id == "503")).LeadSource);

        var won = await context.Deals.SingleAsync(d => d.Id == "7001");
        Assert.Equal((DealOutcome.Won, DealType.New, 24000m, "502"), (won.Outcome, won.Type, won.Amount, won.ContactId));
        var open = await context.Deals.SingleAsync(d => d.Id == "7002");
        Assert.Equal((DealOutcome.Open, (DateTime?)null, "9001", "501", "Sakura pilot"), (open.Outcome, open.ClosedAt, open.AccountId, open.ContactId, open.Custom["Deal Name"]));
        Assert.Equal(AccountStatus.Customer, (await context.Accounts.SingleAsync(a => a.Id == "9002")).Status);
    }

    [Theory, ClassData(typeof(Engines))]
    public async Task A_Salesforce_export_imports_through_the_documented_mapping(string engine)
    {
        await using var db = await TestDatabase.CreateAsync(engine);
        await new DatasetImporter(db.Database, TimeProvider.System).ImportFolderAsync(SampleFolder.Write(Salesforce));
        await using var context = db.Database.Open();
        var ximena = await context.Contacts.SingleAsync(c => c.Id == "00QA");
        Assert.Equal(("events", ContactStatus.Sal, new DateTime(2026, 1, 5, 9, 0, 0, DateTimeKind.Utc)), (ximena.LeadSource, ximena.Status, ximena.CreatedAt));
        Assert.Equal(ContactStatus.Disqualified, (await context.Contacts.SingleAsync(c => c.Id == "00QB")).Status);
        var won = await context.Deals.SingleAsync(d => d.Id == "006A");
        Assert.Equal((DealOutcome.Won, DealType.New, new DateTime(2026, 3, 31, 0, 0, 0, DateTimeKind.Utc)), (won.Outcome, won.Type, won.ClosedAt));
        var upsell = await context.Deals.SingleAsync(d => d.Id == "006B");
        Assert.Equal((DealOutcome.Open, DealType.Upsell, (DateTime?)null), (upsell.Outcome, upsell.Type, upsell.ClosedAt));
        Assert.Equal(("ejemplo.mx", "Hot"), ((await context.Accounts.SingleAsync()).Domain, (await context.Accounts.SingleAsync()).Custom["Rating"]));
    }

    [Fact]
    public async Task A_bad_row_in_a_CRM_export_names_the_export_file()
    {
        await using var db = await TestDatabase.CreateAsync("sqlite");
        var files = new Dictionary<string, string>(HubSpot) { ["hubspot-contacts.csv"] = HubSpot["hubspot-contacts.csv"].Replace("jose@acme.es", "jose(at)acme.es") };
        var error = await Assert.ThrowsAsync<ImportException>(() => new DatasetImporter(db.Database, TimeProvider.System).ImportFolderAsync(SampleFolder.Write(files)));
        Assert.Equal("hubspot-contacts.csv:3:4 (email): 'jose(at)acme.es' is not a valid email address", error.Message);
    }
}
