using AgentGateway.Engine.Configuration;

namespace AgentGateway.Engine.Runspace;

internal sealed class ClientConfigChangedEventArgs(ClientConfig previous, ClientConfig current) : EventArgs
{
    public ClientConfig Previous { get; } = previous;

    public ClientConfig Current { get; } = current;
}
