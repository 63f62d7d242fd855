{# simnet's version of Brian2's C++ standalone template that fills a pathway's spike queues: as Brian2's, except
   that each thread's queue is given the synapses whose target neuron the thread owns, which needs the targets
   (synapses_classes.cpp, simnet.simulation.parallel_delivery). #}
{# USES_VARIABLES { _n_sources, _n_targets, delay, _source_dt} #}

{% extends 'common_group.cpp' %}

{% block before_code %}
    {% set scalar = c_data_type(variables['delay'].dtype) %}
    std::vector<{{scalar}}> &real_delays = {{get_array_name(variables['delay'], access_data=False)}};
    {{scalar}}* real_delays_data = real_delays.empty() ? 0 : &(real_delays[0]);
    int32_t* sources = {{owner.name}}.sources.empty() ? 0 : &({{owner.name}}.sources[0]);
    std::vector<int32_t> &target_list = {{get_array_name(owner.synapse_targets, access_data=False)}};
    const int32_t* targets = target_list.empty() ? 0 : &(target_list[0]);
    const size_t n_delays = real_delays.size();
    const size_t n_synapses = {{owner.name}}.sources.size();
    {{owner.name}}.prepare({{constant_or_scalar('_n_sources', variables['_n_sources'])}},
                           {{constant_or_scalar('_n_targets', variables['_n_targets'])}},
                           real_delays_data, n_delays, sources, targets,
                           n_synapses,
                           {{_source_dt}}, {{ owner_shift }});
{% endblock %}

{% block maincode %}
    // the queues advance before the push, as in Brian2's template
    {% set _eventspace = get_array_name(eventspace_variable) %}
    {{openmp_pragma('parallel')}}
    {
        {{owner.name}}.advance();
        {{owner.name}}.push({{_eventspace}}, {{_eventspace}}[_num{{eventspace_variable.name}}-1]);
    }
{% endblock %}
