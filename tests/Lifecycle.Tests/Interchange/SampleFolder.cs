namespace Lifecycle.Tests.Interchange;

/// <summary>A small dataset folder in canonical form (what the exporter writes), with the awkward cases on purpose.</summary>
internal static class SampleFolder
{
    public static readonly Dictionary<string, string> Files = new()
    {
        ["accounts.csv"] = """
            account_id,name,domain,industry,employees,country,owner,segment
            a1,株式会社サンプル,sample.co.jp,製造業,1200,JP,rep-tanaka,enterprise
            a2,"Acme, S.L.",acme.es,Software,,ES,rep-garcia,
            a3,주식회사 예시,example.kr,,45,KR,,smb

            """,
        ["campaigns.csv"] = """"
            campaign_id,name,channel,audience,starts_on,ends_on
            cmp1,ウェビナー 2026,webinar,prospects,2026-01-01,2026-03-31
            cmp2,"Newsletter ""Clientes""",email,customers,2026-01-01,

            """",
        ["contacts.csv"] = """
            contact_id,email,first_name,last_name,title,account_id,country,lead_source,campaign_id,created_at,birthday,consent,language,notes
            c1,hanako@sample.co.jp,花子,佐藤,部長,a1,JP,webinar,cmp1,2026-01-05T09:30:00Z,1985-04-12,true,ja,
            c2,jose@acme.es,José,Núñez,CMO,a2,ES,email,cmp2,2026-01-06T10:00:00.5Z,,false,es,"Prefiere llamadas,
            no correos"
            c3,,민지,김,,a3,KR,referral,,2026-02-01T00:00:00Z,,true,ko,

            """,
        ["costs.csv"] = """
            month,campaign_id,channel,category,amount
            2026-01,,tools,technology,99.99
            2026-01,cmp1,webinar,labor,1200.5
            2026-01,cmp1,webinar,media,3000
            2026-02,cmp2,email,media,0.25

            """,
        ["transitions.csv"] = """
            contact_id,to_status,at,reason,actor,campaign_id
            c1,inquiry,2026-01-05T09:30:00Z,form,import,cmp1
            c1,lead,2026-01-05T09:31:00Z,,rule:selected_for_marketing,cmp1
            c1,mql,2026-01-20T12:00:00Z,score 105,rule:mql_threshold,cmp1
            c2,inquiry,2026-01-06T10:00:00.5Z,,import,cmp2
            c2,customer,2026-02-10T00:00:00Z,"won, after a long cycle",user:rep-garcia,cmp2

            """,
        ["deals.csv"] = """
            deal_id,account_id,contact_id,type,amount,created_at,closed_at,outcome,campaign_id,stage_note
            d1,a2,c2,new,24000,2026-01-15T00:00:00Z,2026-02-10T00:00:00Z,won,cmp2,firmado
            d2,a1,c1,new,50000.75,2026-01-25T00:00:00Z,,open,,
            d3,a2,,upsell,6000,2026-02-15T00:00:00Z,2026-02-28T00:00:00Z,lost,,

            """,
        ["subscriptions.csv"] = """
            subscription_id,account_id,mrr,starts_on,ends_on
            s1,a2,2000,2026-02-10,

            """,
        ["nps.csv"] = """
            contact_id,score,comment,responded_at
            c1,3,使いにくい,2026-03-02T08:00:00Z
            c2,9,"Muy útil, gracias",2026-03-01T08:00:00Z

            """,
        ["events.jsonl"] = """
            {"type":"page","messageId":"e1","anonymousId":"anon-1","timestamp":"2026-01-05T09:00:00Z","context":{"page":{"url":"https://sample.co.jp/?utm_medium=cpc"}}}
            {"type":"track","messageId":"e2","userId":"c1","event":"Webinar Attended","timestamp":"2026-01-10T09:00:00Z","properties":{"campaign_id":"cmp1","タイトル":"ライフサイクル"}}
            {"type":"track","messageId":"e3","userId":"JOSE@acme.es","event":"Email Clicked","originalTimestamp":"2026-01-11T09:00:00+01:00","properties":{"email_id":"n1"}}

            """,
    };

    public static string Write(Dictionary<string, string>? files = null)
    {
        var folder = Directory.CreateTempSubdirectory("lifecycle-import-").FullName;
        foreach (var (name, text) in files ?? Files) File.WriteAllText(Path.Combine(folder, name), text.Replace("\r\n", "\n"));
        return folder;
    }
}
