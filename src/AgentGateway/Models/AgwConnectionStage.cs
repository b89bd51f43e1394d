namespace AgentGateway;

/// <summary>One stage of Test-AgwConnection: what was checked, how it went, how long it took, what was found, what to do. No secret.</summary>
public sealed class AgwConnectionStage
{
    internal AgwConnectionStage(string stage, string? target, string verdict, TimeSpan duration, string detail, string? action)
    {
        Stage = stage;
        Target = target;
        Verdict = verdict;
        Duration = duration;
        Detail = detail;
        Action = action;
    }

    /// <summary>Credentials, Client certificate, Proxy, Token service DNS/TCP/TLS/mTLS, System token, User token, Gateway DNS/TCP/TLS, Dependency; Endpoint DNS/TCP/TLS and MCP for -Uri.</summary>
    public string Stage { get; }

    /// <summary>The host, URL, ORD id or file checked.</summary>
    public string? Target { get; }

    /// <summary>Pass, Warn, Fail or Skip.</summary>
    public string Verdict { get; }

    public TimeSpan Duration { get; }

    /// <summary>What was found, or what went wrong.</summary>
    public string Detail { get; }

    /// <summary>What to do, for a stage that warns or fails.</summary>
    public string? Action { get; }

    public override string ToString() => $"{Stage}: {Verdict}";
}
