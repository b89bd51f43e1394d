namespace AgentGateway.Engine.Diagnostics;

/// <summary>Receives the story of a call; the cmdlet layer writes it to the verbose and debug streams.</summary>
internal interface ICallLogSink
{
    void Verbose(string message);

    void Debug(string message);

    /// <summary>Whether the sink shows lines of <paramref name="level"/>: a line it does not show is not even formatted (<see cref="CallLog"/>).</summary>
    bool Shows(CallLogLevel level) => true;
}
