using System.Security.Cryptography;
using System.Text;
using Lifecycle.Storage;
using Microsoft.EntityFrameworkCore;

namespace Lifecycle.Access;

/// <summary>Creates and checks API keys. Write keys feed the tracking API, secret keys the REST API.</summary>
public static class ApiKeys
{
    public static async Task<string> CreateAsync(LifecycleDb db, ApiKeyKind kind, string name, TimeProvider clock, CancellationToken cancel = default)
    {
        var key = (kind == ApiKeyKind.Write ? "lc_wk_" : "lc_sk_") + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        db.ApiKeys.Add(new ApiKey
        {
            Kind = kind,
            Name = name,
            Prefix = key[..12],
            Hash = Hash(key),
            CreatedAt = clock.GetUtcNow().UtcDateTime,
        });
        await db.SaveChangesAsync(cancel);
        return key;
    }

    public static async Task<ApiKey?> FindAsync(LifecycleDb db, string key, ApiKeyKind kind, CancellationToken cancel = default)
    {
        var hash = Hash(key);
        return await db.ApiKeys.AsNoTracking()
            .FirstOrDefaultAsync(k => k.Hash == hash && k.Kind == kind && k.RevokedAt == null, cancel);
    }

    /// <summary>Revokes a key for good; false when there is no such key or it was already revoked.</summary>
    public static async Task<bool> RevokeAsync(LifecycleDb db, long id, TimeProvider clock, CancellationToken cancel = default) =>
        await db.ApiKeys.Where(k => k.Id == id && k.RevokedAt == null)
            .ExecuteUpdateAsync(k => k.SetProperty(x => x.RevokedAt, clock.GetUtcNow().UtcDateTime), cancel) == 1;

    /// <summary>Keys are 192 random bits, so one fast hash suffices: there is nothing to brute-force.</summary>
    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
}
