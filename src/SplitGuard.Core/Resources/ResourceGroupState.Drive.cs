namespace SplitGuard.Core.Resources;

/// <content>Choosing the next actions: probes, then one start or stop in group order.</content>
public sealed partial record ResourceGroupState
{
    private GroupStep Drive(TimeSpan now, List<ResourceEffect> effects)
    {
        var members = Members.ToArray();

        // 1. Learn the unknown: probe every unknown, idle member.
        for (var i = 0; i < members.Length; i++)
        {
            if (members[i].Status == ResourceStatus.Unknown && members[i].Pending is null)
            {
                var t = members[i].BeginProbe(now);
                members[i] = t.State;
                effects.AddRange(t.Effects);
            }
        }

        var probed = this with { Members = members.ToArray() };
        if (probed.NextStartOrStop() is { } next)
        {
            var t = next.Start ? members[next.Index].BeginStart(now) : members[next.Index].BeginStop(now);
            members[next.Index] = t.State;
            effects.AddRange(t.Effects);
            return new GroupStep(this with { Members = members }, effects);
        }

        return new GroupStep(probed, effects);
    }

    /// <summary>The one member to start or stop now, or null when the group must wait or is where it should be.</summary>
    private (int Index, bool Start)? NextStartOrStop()
    {
        // Wait while placement has not decided, while anything is unknown, starting or stopping, and while a stop failure
        // awaits escalation.
        if (Goal == ResourceGoal.Undecided || Members.Any(m => m.Status == ResourceStatus.Unknown || m.InProgress) || IsBlocked)
        {
            return null;
        }

        if (EffectiveGoal == ResourceGoal.Stopped)
        {
            return StopIfIdle(LastNotStopped(0));
        }

        var first = -1;
        for (var i = 0; i < Members.Count; i++)
        {
            if (Members[i].Status != ResourceStatus.Started)
            {
                first = i;
                break;
            }
        }

        if (first < 0)
        {
            return null;
        }

        // The members after the first one that is not running depend on it: they stop first, last one first.
        var dependent = LastNotStopped(first + 1);
        if (dependent >= 0)
        {
            return StopIfIdle(dependent);
        }

        var member = Members[first];
        if (member.Pending is not null)
        {
            return null;
        }

        // Stopped: start it. Failed (a start or monitor failed): stop it first; the next drive starts it again.
        return (first, member.Status == ResourceStatus.Stopped);
    }

    /// <summary>The highest member index at or after <paramref name="from"/> that is not stopped, or -1.</summary>
    private int LastNotStopped(int from)
    {
        for (var i = Members.Count - 1; i >= from; i--)
        {
            if (Members[i].Status != ResourceStatus.Stopped)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>A stop of member <paramref name="index"/>; null when there is none (-1) or it is busy with a monitor (wait for it).</summary>
    private (int Index, bool Start)? StopIfIdle(int index) =>
        index >= 0 && Members[index].Pending is null ? (index, false) : null;
}
