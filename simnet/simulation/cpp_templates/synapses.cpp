{# simnet's version of Brian2's C++ standalone template for a synaptic pathway's event code (on_pre, on_post).
   Brian2 runs the code on one thread (OpenMP "master") as soon as it touches any variable that is not the
   synapse's own; here, when every such variable is indexed by one side only (the post-synaptic neuron, or the
   pre-synaptic one), neurons are dealt out to threads in blocks of 2**owner_shift. Each thread sorts the synapses
   of its own spike queue into one bucket per owning thread, and after a barrier applies the buckets it owns,
   queue by queue. A neuron's variables are then written by one thread only, its inputs summed in the order of
   Brian2's list: no race, and no sum in another order than one thread's for that list. Everything else is Brian2's
   template, unchanged (simnet.simulation.parallel_delivery). #}
{# USES_VARIABLES { _synaptic_pre, _synaptic_post } #}
{% extends 'common_synapses.cpp' %}

{% set _non_synaptic = [] %}
{% for var in variables %}
    {% if variable_indices[var] not in ('_idx', '0') %}
        {% if _non_synaptic.append(variable_indices[var]) %}{% endif %}
    {% endif %}
{% endfor %}
{% set _sides = _non_synaptic | unique | list %}
{% set _owned_by = _sides[0] if (_sides | length) == 1 and _sides[0] in ('_postsynaptic_idx', '_presynaptic_idx') else '' %}

{% block maincode %}

    // This is only needed for the _debugmsg function below
    {# USES_VARIABLES { _synaptic_pre } #}

    // scalar code
    const size_t _vectorisation_idx = -1;
    {{scalar_code|autoindent}}

    {% if _owned_by and openmp_pragma('with_openmp') %}
    // simnet: one bucket per (queue, owning thread), kept from step to step so that they stop growing, each on
    // cache lines of its own (two threads appending to buckets that share a line would fight over it)
    const int _simnet_threads = {{ openmp_pragma('get_num_threads') }};
    struct alignas(128) _simnet_bucket { std::vector<int32_t> synapses; };
    static _simnet_bucket _simnet_buckets[{{ (openmp_pragma('get_num_threads') | int) ** 2 }}];
    {% endif %}
    {{ openmp_pragma('parallel') }}
    {
    {% if _owned_by and openmp_pragma('with_openmp') %}
    // simnet: owner-computes delivery, neurons in blocks of {{ 2 ** owner_shift }} per thread. Each thread first sorts
    // the synapses of its own spike queue into one bucket per owning thread (in queue order), then applies the
    // buckets it owns, queue by queue: every neuron's inputs in the order of Brian2's peek(), on one thread.
    const int _simnet_thread = {{ openmp_pragma('get_thread_num') }};
    const int32_t* _simnet_side = {{ _synaptic_post if _owned_by == '_postsynaptic_idx' else _synaptic_pre }};
    {
        std::vector<int32_t> *_simnet_queue = {{pathway.name}}.queue[_simnet_thread]->peek();
        _simnet_bucket *_simnet_row = &_simnet_buckets[_simnet_thread * _simnet_threads];
        for(int _simnet_owner=0; _simnet_owner<_simnet_threads; _simnet_owner++)
            _simnet_row[_simnet_owner].synapses.clear();
        const int _simnet_n = _simnet_queue->size();
        for(int _simnet_k=0; _simnet_k<_simnet_n; _simnet_k++)
        {
            const int32_t _simnet_syn = (*_simnet_queue)[_simnet_k];
            _simnet_row[(_simnet_side[_simnet_syn] >> {{ owner_shift }}) % _simnet_threads].synapses.push_back(_simnet_syn);
        }
    }
    {{ openmp_pragma('barrier') }}
    for(int _simnet_from=0; _simnet_from<_simnet_threads; _simnet_from++)
    {
        const std::vector<int32_t> &_spiking_synapses =
            _simnet_buckets[_simnet_from * _simnet_threads + _simnet_thread].synapses;
        const int _num_spiking_synapses = _spiking_synapses.size();
        for(int _spiking_synapse_idx=0;
            _spiking_synapse_idx<_num_spiking_synapses;
            _spiking_synapse_idx++)
        {
            const size_t _idx = _spiking_synapses[_spiking_synapse_idx];
            const size_t _vectorisation_idx = _idx;
            {{vector_code|autoindent}}
        }
    }
    {% elif _non_synaptic %}
    std::vector<int> *_spiking_synapses = {{pathway.name}}.peek();
    const int _num_spiking_synapses = _spiking_synapses->size();
    {% if openmp_pragma('with_openmp') %}
    // simnet: serial delivery (the code touches neuron variables of both sides)
    {% endif %}
    {{ openmp_pragma('master') }}
    {
        for(int _spiking_synapse_idx=0;
            _spiking_synapse_idx<_num_spiking_synapses;
            _spiking_synapse_idx++)
        {
            const size_t _idx = (*_spiking_synapses)[_spiking_synapse_idx];
            const size_t _vectorisation_idx = _idx;
            {{vector_code|autoindent}}
        }
    }
    {% else %}
    std::vector<int> *_spiking_synapses = {{pathway.name}}.peek();
    const int _num_spiking_synapses = _spiking_synapses->size();
    {{ openmp_pragma('static') }}
    for(int _spiking_synapse_idx=0;
        _spiking_synapse_idx<_num_spiking_synapses;
        _spiking_synapse_idx++)
    {
        const size_t _idx = (*_spiking_synapses)[_spiking_synapse_idx];
        const size_t _vectorisation_idx = _idx;
        {{vector_code|autoindent}}
    }

    {% endif %}
    }
{% endblock %}


{% block extra_functions_cpp %}
void _debugmsg_{{codeobj_name}}()
{
    using namespace brian;
    std::cout << "Number of synapses: " << {{_dynamic__synaptic_pre}}.size() << endl;
}
{% endblock %}

{% block extra_functions_h %}
void _debugmsg_{{codeobj_name}}();
{% endblock %}

{% macro main_finalise() -%}
#ifdef DEBUG
_debugmsg_{{codeobj_name}}();
#endif
{% endmacro %}
