"""Words for peoples, nations and groups (English, CoNLL conventions: MISC), read by the tagger's rules and
by the linker, which never takes such a word for the country it may share a key with."""

from __future__ import annotations

EN_NATIONALITY = frozenset(
    """Afghan Albanian Algerian American Angolan Argentine Argentinian Armenian Australian Austrian
    Azerbaijani Bangladeshi Belarusian Belgian Bolivian Bosnian Brazilian British Bulgarian Burmese
    Cambodian Cameroonian Canadian Chilean Chinese Colombian Congolese Croatian Cuban Cypriot Czech
    Danish Dutch Ecuadorian Egyptian English Eritrean Estonian Ethiopian European Filipino Finnish French
    Georgian German Ghanaian Greek Haitian Hungarian Icelandic Indian Indonesian Iranian Iraqi Irish
    Israeli Italian Ivorian Jamaican Japanese Jordanian Kazakh Kenyan Korean Kosovar Kurdish Kuwaiti
    Latvian Lebanese Libyan Lithuanian Luxembourgish Macedonian Malaysian Malian Maltese Mexican Moldovan
    Mongolian Montenegrin Moroccan Namibian Nepali Nigerian Norwegian Pakistani Palestinian Panamanian
    Paraguayan Peruvian Polish Portuguese Qatari Romanian Russian Rwandan Saudi Scottish Senegalese
    Serbian Singaporean Slovak Slovenian Somali Spanish Sudanese Swedish Swiss Syrian Taiwanese Thai
    Tunisian Turkish Ugandan Ukrainian Uruguayan Uzbek Venezuelan Vietnamese Welsh Yemeni Zambian
    Zimbabwean Africans Americans Asians Australians Britons Canadians Chinese Europeans Germans Israelis
    Italians Palestinians Russians Ukrainians Asian African Arab Arabs Latin Nordic Scandinavian Baltic
    Balkan Caribbean Western Eastern Soviet Yugoslav Catalan Basque Flemish Walloon Bavarian Corsican Sicilian
    Kashmiri Tibetan Chechen Tamil Sinhalese Pashtun Hutu Tutsi Serb Croat Bosniak Kurd Afrikaner Zulu Maori
    Inuit Uighur Uyghur Persian Bengali Punjabi Arabic Hebrew Slavic Celtic Gaelic Texan Catalans Basques
    Tibetans Chechens Tamils Pashtuns Hutus Tutsis Serbs Croats Bosniaks Uighurs Uyghurs Texans Iraqis
    Iranians Afghans Pakistanis Indians Syrians Saudis Turks Greeks Poles Danes Swedes Finns Norwegians
    Spaniards Mexicans Cubans Kenyans Nigerians Somalis Egyptians Libyans Koreans Filipinos Indonesians
    Brazilians Argentines Chileans Colombians Venezuelans Peruvians Scots Yugoslavs Soviets Hungarians
    Romanians Bulgarians Belarusians Lithuanians Latvians Estonians Armenians Kazakhs Uzbeks Mongolians
    Thais Cambodians Malaysians Singaporeans Frenchman Frenchmen Englishman Englishmen Dutchman Scotsman
    Welshman Irishman Swede Swedes Briton Spaniard Dutchwoman Frenchwoman Englishwoman Irishwoman Scotswoman
    Welshwoman Icelander Icelanders Luxembourger Monegasque Slovene Slovenes Kyrgyz Tajik Turkmen Trinidadian
    Emirati Omani Bahraini Afghan""".split()
)
# People's nouns that are also names or words ("Finn Balor", "the North Pole"): MISC only right before a
# person's name, as wire copy writes a player's nation ("Dane Kenneth Carlsen", "Pole Adam Malysz").
EN_NATIONS_BEFORE_NAMES = frozenset("Dane Finn Pole Turk Scot Brit Kiwi Czech".split())
EN_GROUPS = frozenset(
    """Democrat Democrats Democratic Republican Republicans Latino Latinos Latina Hispanic Hispanics Muslim
    Muslims Christian Christians Catholic Catholics Protestant Protestants Jewish Jews Sunni Sunnis Shi'ite
    Shiite Shiites Islamist Islamists Communist Communists Socialist Socialists Nazi Nazis Fascist Fascists
    Marxist Marxists Bolshevik Bolsheviks Tory Tories Hindu Hindus Buddhist Buddhists Sikh Sikhs Mormon
    Mormons Slav Slavs Kurds""".split()
)
EN_MISC_WORDS = EN_NATIONALITY | EN_GROUPS

# Nationalities of two words (the compass ones, "South African", are the rules' _COMPASS).
EN_TWO_WORD_NATIONALS = frozenset(
    """New Zealander|New Zealanders|Sri Lankan|Sri Lankans|Costa Rican|Costa Ricans|Puerto Rican|Puerto Ricans|
    Saudi Arabian|Saudi Arabians|El Salvadoran|Hong Konger|Hong Kongers""".replace("\n    ", "").split("|"))


def people_word(word: str) -> bool:
    """A people's or a member's word ("Somalis", "Pole"): never the country it may share a key with."""
    return word in EN_MISC_WORDS or word in EN_NATIONS_BEFORE_NAMES
