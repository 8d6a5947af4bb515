using SplitGuard.Core.Resources;

namespace SplitGuard.Core.Tests.Resources;

/// <summary>
/// Plays the shell for a <see cref="ResourceGroupState"/>: carries out every RunAgent effect at once with the
/// answer <see cref="Answer"/> gives (by default: a conformant agent that remembers what runs), feeding each
/// result back, until nothing is pending. Records every run as "Start vip", "Monitor web", ...
/// </summary>
internal sealed class FakeAgents
{
    private readonly HashSet<string> _running = [];

    public FakeAgents(ResourceGroupState group)
    {
        Group = group;
    }

    public ResourceGroupState Group { get; private set; }

    /// <summary>Every agent run so far, in order.</summary>
    public List<string> Log { get; } = [];

    /// <summary>Every effect so far, in order.</summary>
    public List<ResourceEffect> Effects { get; } = [];

    /// <summary>Overrides the conformant answer for (resource, action); null falls back to it.</summary>
    public Func<string, AgentAction, AgentStatus?> Answer { get; set; } = (_, _) => null;

    public bool IsRunning(string resource) => _running.Contains(resource);

    /// <summary>The resource dies behind the agent's back: the next monitor says not running.</summary>
    public void Crash(string resource) => _running.Remove(resource);

    public void MarkRunning(string resource) => _running.Add(resource);

    public void Apply(Func<ResourceGroupState, GroupStep> step, TimeSpan now)
    {
        var queue = new Queue<ResourceEffect>();
        Take(step(Group), queue);
        while (queue.TryDequeue(out var effect))
        {
            var action = effect.Action!.Value;
            Log.Add($"{action} {effect.Resource}");
            var status = Answer(effect.Resource, action) ?? Conformant(effect.Resource, action);
            Take(Group.OnResult(ResourceTestData.Result(effect.Resource, action, status), now), queue);
        }
    }

    private void Take(GroupStep step, Queue<ResourceEffect> queue)
    {
        Group = step.State;
        Effects.AddRange(step.Effects);
        foreach (var effect in step.Effects.Where(e => e.Kind == ResourceEffectKind.RunAgent))
        {
            queue.Enqueue(effect);
        }
    }

    private AgentStatus Conformant(string resource, AgentAction action)
    {
        switch (action)
        {
            case AgentAction.Start:
                _running.Add(resource);
                return AgentStatus.Ok;
            case AgentAction.Stop:
                _running.Remove(resource);
                return AgentStatus.Ok;
            default:
                return _running.Contains(resource) ? AgentStatus.Ok : AgentStatus.NotRunning;
        }
    }
}
