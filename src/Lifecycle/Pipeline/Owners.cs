using Lifecycle.Access;
using Lifecycle.Server;
using Lifecycle.Storage;
using Microsoft.EntityFrameworkCore;

namespace Lifecycle.Pipeline;

/// <summary>Owners of contacts and accounts are dashboard users (Access/User).</summary>
public static class Owners
{
    public static async Task CheckAsync(LifecycleDb db, Validation check, long? ownerId, string field = "owner_id")
    {
        if (ownerId is { } id && !await db.Set<User>().AnyAsync(u => u.Id == id && u.DisabledAt == null))
            check.Add(field, $"no active user {id}");
    }
}
