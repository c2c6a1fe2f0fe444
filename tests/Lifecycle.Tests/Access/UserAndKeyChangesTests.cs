using Lifecycle.Access;
using Lifecycle.Segments;
using Lifecycle.Tests.Support;
using Microsoft.EntityFrameworkCore;

namespace Lifecycle.Tests.Access;

/// <summary>What the settings pages change, on both engines: key revocation, roles and passwords, a segment's update.</summary>
public class UserAndKeyChangesTests
{
    [Theory, ClassData(typeof(Engines))]
    public async Task A_revoked_key_no_longer_authenticates_and_cannot_be_revoked_twice(string engine)
    {
        await using var database = await TestDatabase.CreateAsync(engine);
        await using var db = database.Database.Open();
        var kept = await ApiKeys.CreateAsync(db, ApiKeyKind.Secret, "kept", TimeProvider.System);
        var revoked = await ApiKeys.CreateAsync(db, ApiKeyKind.Write, "revoked", TimeProvider.System);
        var id = (await db.ApiKeys.AsNoTracking().SingleAsync(k => k.Name == "revoked")).Id;

        Assert.True(await ApiKeys.RevokeAsync(db, id, TimeProvider.System));
        Assert.False(await ApiKeys.RevokeAsync(db, id, TimeProvider.System));
        Assert.False(await ApiKeys.RevokeAsync(db, id + 1000, TimeProvider.System));
        Assert.Null(await ApiKeys.FindAsync(db, revoked, ApiKeyKind.Write));
        Assert.NotNull(await ApiKeys.FindAsync(db, kept, ApiKeyKind.Secret));
    }

    [Theory, ClassData(typeof(Engines))]
    public async Task Roles_change_but_the_last_admin_stays_one_and_a_reset_password_signs_in(string engine)
    {
        await using var database = await TestDatabase.CreateAsync(engine);
        await using var db = database.Database.Open();
        var admin = (await Users.CreateAsync(db, "admin@keys.test", "Admin", UserRole.Admin, "first password 1", TimeProvider.System)).User!;
        var viewer = (await Users.CreateAsync(db, "viewer@keys.test", "Viewer", UserRole.Viewer, "first password 2", TimeProvider.System)).User!;

        Assert.Equal("the last admin stays an admin", await Users.ChangeRoleAsync(db, admin.Id, UserRole.Marketing));
        Assert.Null(await Users.ChangeRoleAsync(db, viewer.Id, UserRole.Admin));
        // With a second admin the first may step down.
        Assert.Null(await Users.ChangeRoleAsync(db, admin.Id, UserRole.Marketing));
        Assert.Equal("no such user", await Users.ChangeRoleAsync(db, viewer.Id + 1000, UserRole.Sales));

        Assert.Equal("the password needs at least 12 characters", await Users.ResetPasswordAsync(db, viewer.Id, "too short"));
        Assert.Null(await Users.ResetPasswordAsync(db, viewer.Id, "second password 2"));
        db.ChangeTracker.Clear();
        Assert.Null(await Users.SignInAsync(db, "viewer@keys.test", "first password 2"));
        Assert.Equal(UserRole.Admin, (await Users.SignInAsync(db, "viewer@keys.test", "second password 2"))?.Role);
        Assert.Equal(UserRole.Marketing, (await db.Set<User>().AsNoTracking().SingleAsync(u => u.Id == admin.Id)).Role);
    }

    [Theory, ClassData(typeof(Engines))]
    public async Task A_segment_update_with_a_filter_that_does_not_parse_changes_nothing(string engine)
    {
        await using var database = await TestDatabase.CreateAsync(engine);
        await using var db = database.Database.Open();
        var segment = await SegmentQueries.CreateAsync(db, "MQLs", "status = 'mql'", TimeProvider.System, default);

        await Assert.ThrowsAsync<SegmentSyntaxException>(() => SegmentQueries.UpdateAsync(db, segment.Id, "Renamed", "status = ", default));
        Assert.Null(await SegmentQueries.UpdateAsync(db, segment.Id + 1000, "Other", "status = 'sql'", default));
        Assert.NotNull(await SegmentQueries.UpdateAsync(db, segment.Id, " JP MQLs ", "status = 'mql' and country = 'JP'", default));
        db.ChangeTracker.Clear();
        var stored = await db.Set<Segment>().AsNoTracking().SingleAsync();
        Assert.Equal(("JP MQLs", "status = 'mql' and country = 'JP'"), (stored.Name, stored.Definition));
    }
}
