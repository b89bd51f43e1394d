using AgentGateway.Engine.Configuration;
using AgentGateway.Engine.Runspace;

namespace AgentGateway.Engine.Tests.Runspace;

public class RunspaceStateTests
{
    [Fact]
    public void A_refused_change_keeps_the_previous_config()
    {
        using var session = new RunspaceState(_ => null);
        var before = session.UpdateConfig(c => c.With(timeout: TimeSpan.FromSeconds(7)));
        Assert.Throws<ClientConfigException>(() => session.UpdateConfig(c => c.With(timeout: TimeSpan.FromSeconds(1), maxSystemTokenCacheSize: 0)));
        Assert.Same(before, session.Config);
    }

    [Fact]
    public void ConfigChanged_reports_old_and_new()
    {
        using var session = new RunspaceState(_ => null);
        ClientConfigChangedEventArgs? seen = null;
        session.ConfigChanged += (_, e) => seen = e;
        session.UpdateConfig(c => c.With(maxUserTokenCacheSize: 2));
        Assert.NotNull(seen);
        Assert.Equal(10, seen.Previous.MaxUserTokenCacheSize);
        Assert.Equal(2, seen.Current.MaxUserTokenCacheSize);
    }

    [Fact]
    public void Dispose_is_idempotent_and_forbids_further_changes()
    {
        var session = new RunspaceState(_ => null);
        session.Dispose();
        session.Dispose();
        Assert.True(session.IsDisposed);
        Assert.Throws<ObjectDisposedException>(() => session.UpdateConfig(c => c));
    }
}
