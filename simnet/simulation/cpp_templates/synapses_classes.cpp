{# simnet's version of Brian2's C++ standalone header for a synaptic pathway (SynapticPathway, one spike queue per
   thread). Brian2 gives thread t the t-th contiguous slice of the synapse list, so each step's arriving synapses
   of every thread target any neuron, and code that writes a neuron runs on one thread. Here thread t's queue holds
   the synapses whose target neuron it owns (neurons dealt out in blocks of 2**owner_shift): each thread can then
   deliver its own queue with no other thread writing its neurons, and each neuron's inputs come in the order one
   thread's single queue gives them (simnet.simulation.parallel_delivery). #}
{% macro cpp_file() %}
{% endmacro %}

{% macro h_file() %}

#ifndef _BRIAN_SYNAPSES_H
#define _BRIAN_SYNAPSES_H

#include<vector>
#include<algorithm>
#include<climits>
#include<cstdint>
#include<cstring>
{{ openmp_pragma('include') }}

#include "brianlib/spikequeue.h"

class SynapticPathway
{
public:
    int Nsource, Ntarget, _nb_threads;
    std::vector<int> &sources;
    std::vector<int> all_peek;
    std::vector< CSpikeQueue * > queue;
    // delays in steps, one array that every thread's queue reads (each indexes it by synapse number)
    int *step_delays;
    // whether the queues were filled, and from what (fingerprint below)
    bool prepared;
    uint64_t prepared_contents;

    SynapticPathway(std::vector<int> &_sources, int _spikes_start, int _spikes_stop)
        : sources(_sources), step_delays(NULL), prepared(false), prepared_contents(0)
    {
        _nb_threads = {{ openmp_pragma('get_num_threads') }};
        for (int thread=0; thread < _nb_threads; thread++)
            queue.push_back(new CSpikeQueue(_spikes_start, _spikes_stop));
    };

    ~SynapticPathway()
    {
        for (int thread=0; thread < _nb_threads; thread++)
        {
            queue[thread]->delays = NULL;  // shared, freed below
            delete queue[thread];
        }
        delete [] step_delays;
    }

    // called by every thread: the spikes of this step into its own queue, the current slot moved on
    void push(int *spikes, int nspikes)
    {
        queue[{{ openmp_pragma('get_thread_num') }}]->push(spikes, nspikes);
    }

    void advance()
    {
        queue[{{ openmp_pragma('get_thread_num') }}]->advance();
    }

    // the synapses the calling thread delivers this step: those of its own queue, whose targets it owns
    std::vector<int32_t>* own_peek()
    {
        return queue[{{ openmp_pragma('get_thread_num') }}]->peek();
    }

    // every thread's synapses of this step, queue after queue (for code that stays on one thread)
    std::vector<int32_t>* peek()
    {
        {{ openmp_pragma('static-ordered') }}
        for(int thread=0; thread < _nb_threads; thread++)
        {
            {{ openmp_pragma('ordered') }}
            {
                if (thread == 0)
                    all_peek.clear();
                std::vector<int32_t> *slot = queue[thread]->peek();
                all_peek.insert(all_peek.end(), slot->begin(), slot->end());
            }
        }
        return &all_peek;
    }

    // Fill each thread's queue with the synapses whose target it owns. Called at the start of every run; spikes
    // already in flight stay in their slots (re-timed if the source clock's dt changed, as Brian2 does). A run on
    // the same synapses as the last (the run after a pre-run) keeps the queues as they are rather than passing over
    // every synapse again inside the timed loop.
    template <typename scalar> void prepare(int n_source, int n_target, scalar *real_delays, int n_delays,
                 int *synapse_sources, const int *synapse_targets, int n_synapses, double _dt, int owner_shift)
    {
        const uint64_t contents = fingerprint(real_delays, n_delays, synapse_sources, synapse_targets, n_synapses,
                                              _dt, owner_shift);
        if (prepared && contents == prepared_contents)
            return;
        Nsource = n_source;
        Ntarget = n_target;
        delete [] step_delays;
        step_delays = new int[n_delays > 0 ? n_delays : 1];
        step_delays[0] = 0;
        int shortest = INT_MAX, longest = 0;
        {{ openmp_pragma('with_openmp') and '#pragma omp parallel for schedule(static) reduction(min:shortest) reduction(max:longest)' or '' }}
        for (int k=0; k < n_delays; k++)
        {
            step_delays[k] = (int)(real_delays[k] / _dt + 0.5);
            shortest = std::min(shortest, step_delays[k]);
            longest = std::max(longest, step_delays[k]);
        }
        if (n_delays == 0)
            shortest = 0;
        // the owning thread of each block of target neurons (a table: no division per synapse)
        int largest_target = 0;
        {{ openmp_pragma('with_openmp') and '#pragma omp parallel for schedule(static) reduction(max:largest_target)' or '' }}
        for (int k=0; k < n_synapses; k++)
            largest_target = std::max(largest_target, synapse_targets[k]);
        std::vector<int> block_owner((largest_target >> owner_shift) + 1);
        for (size_t block=0; block < block_owner.size(); block++)
            block_owner[block] = block % _nb_threads;
        {{ openmp_pragma('parallel') }}
        {
            const int thread = {{ openmp_pragma('get_thread_num') }};
            CSpikeQueue *own = queue[thread];
            if (own->dt != 0.0 && own->dt != _dt)
                retime(own, _dt);
            own->dt = _dt;
            own->openmp_padding = 0;
            own->delays = step_delays;
            own->synapses.clear();
            own->synapses.resize(own->source_end - own->source_start);
            for (int k=0; k < n_synapses; k++)
                if (block_owner[synapse_targets[k] >> owner_shift] == thread)
                    own->synapses[synapse_sources[k] - own->source_start].push_back(k);
            own->ensure_delay(longest);
            own->scalar_delay = (shortest == longest);
        }
        prepared = true;
        prepared_contents = contents;
    }

    // A hash of what the queues are made from: each synapse's delay, source and target with its number, dt and
    // the block size (order-sensitive through the numbers; XOR-combined, so the threads can share the pass).
    template <typename scalar> static uint64_t fingerprint(const scalar *real_delays, int n_delays,
            const int *synapse_sources, const int *synapse_targets, int n_synapses, double _dt, int owner_shift)
    {
        uint64_t hash = mix(((uint64_t)n_delays << 32) ^ (uint64_t)(uint32_t)n_synapses ^ mix(owner_shift));
        uint64_t dt_bits;
        std::memcpy(&dt_bits, &_dt, sizeof(dt_bits));
        hash ^= mix(dt_bits + 0x9e3779b97f4a7c15ULL);
        uint64_t delays = 0, synapses = 0;
        {{ openmp_pragma('with_openmp') and '#pragma omp parallel for schedule(static) reduction(^:delays)' or '' }}
        for (int k=0; k < n_delays; k++)
        {
            uint64_t bits = 0;
            std::memcpy(&bits, &real_delays[k], sizeof(scalar));
            delays ^= mix(((uint64_t)k << 1) ^ mix(bits));
        }
        {{ openmp_pragma('with_openmp') and '#pragma omp parallel for schedule(static) reduction(^:synapses)' or '' }}
        for (int k=0; k < n_synapses; k++)
            synapses ^= mix(((uint64_t)k << 1 | 1) ^ mix(((uint64_t)(uint32_t)synapse_sources[k] << 32)
                                                       | (uint32_t)synapse_targets[k]));
        return hash ^ mix(delays) ^ mix(synapses + 1);
    }

    // splitmix64's finaliser
    static inline uint64_t mix(uint64_t x)
    {
        x ^= x >> 30;
        x *= 0xbf58476d1ce4e5b9ULL;
        x ^= x >> 27;
        x *= 0x94d049bb133111ebULL;
        x ^= x >> 31;
        return x;
    }

    // spikes in flight of a queue built for another dt, moved to the slots of the new one
    static void retime(CSpikeQueue *own, double _dt)
    {
        const size_t old_size = own->queue.size();
        const double factor = own->dt / _dt;
        std::vector< std::vector<int32_t> > old_slots(old_size);
        for (size_t k=0; k < old_size; k++)
            old_slots[k].swap(own->queue[(k + own->offset) % old_size]);
        own->queue.assign((size_t)(old_size * factor) + 1, std::vector<int32_t>());
        for (size_t k=0; k < old_size; k++)
            own->queue[(size_t)(k * factor + 0.5)].swap(old_slots[k]);
        own->offset = 0;
    }
};

#endif

{% endmacro %}
